/**
 * The segment files of an embedded data directory (<dataDir>/objects/segments/**.seg), for
 * CLI tests that watch what `floe gc` and `floe maintenance` delete, and a way to age them:
 * moving their mtimes back shows them as the file system would later, past an orphan grace.
 */
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";

/** Object keys (relative to <dataDir>/objects) of every segment file, sorted. */
export function segmentFilesIn(dataDir: string): string[] {
  const root = join(dataDir, "objects");
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".seg")) out.push(relative(root, path));
    }
  };
  if (existsSync(join(root, "segments"))) walk(join(root, "segments"));
  return out.sort();
}

/** Moves every segment file's mtime `byMs` into the past. */
export function ageSegmentFiles(dataDir: string, byMs: number): void {
  for (const key of segmentFilesIn(dataDir)) {
    const path = join(dataDir, "objects", key);
    const mtimeS = (statSync(path).mtimeMs - byMs) / 1000;
    utimesSync(path, mtimeS, mtimeS);
  }
}
