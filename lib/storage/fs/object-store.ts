/**
 * ObjectStore over a local directory: the embedded backend's stand-in for S3.
 *
 * Key `a/b/c` is the file `<rootDir>/a/b/c`. Objects are written once and never overwritten:
 * `putNew` writes a temp file beside the target, fsyncs it, and `link(2)`s it into place. `link`
 * fails with EEXIST when the name is taken, so two writers racing for one key cannot both win
 * and neither can clobber the other (a rename would silently overwrite). The parent directory
 * is fsynced before `putNew` resolves, so an acknowledged object survives a power cut
 * (invariant 1, DESIGN.md §2).
 *
 * Where this differs from S3: a key cannot be both an object and a "directory" of other keys
 * (`a` and `a/b`); Floe's segment keys never are. Reading a key that names a directory is
 * ObjectNotFoundError; writing one is ObjectExistsError. Temp files left by a crash end in
 * TEMP_SUFFIX; `list` never shows them and no valid key can collide with them. A listing that
 * passes one older than STALE_TEMP_MS deletes it (the orphan collector, `floe gc`, lists the
 * segment prefix): a putNew links its temp file right after writing it, so one that old belongs
 * to no write in progress — and if it did, its link would fail and the write would be refused,
 * never acknowledged. `sweepStaleTemps: false` (a dry run) only skips them.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, link, mkdir, open, opendir, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import {
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectRangeError,
  StorageError,
  StorageUnavailableError,
} from "../errors.ts";
import type { ObjectInfo, ObjectStore } from "../ports.ts";

export interface FsObjectStoreOptions {
  /** Directory holding the objects; created on first write. */
  rootDir: string;
  /** Whether listings delete stale temp files (default true; off for `floe gc --dry-run`). */
  sweepStaleTemps?: boolean;
}

const TEMP_SUFFIX = ".floe-tmp";
/** Age (by mtime) past which a temp file is a crash's leftover. */
export const STALE_TEMP_MS = 60 * 60 * 1000;
const DELETE_CONCURRENCY = 32;

export class FsObjectStore implements ObjectStore {
  readonly rootDir: string;
  private readonly sweepStaleTemps: boolean;
  /** Directories whose own entry (in their parent) is known to be on disk. */
  private readonly durableDirs = new Set<string>();

  constructor(options: FsObjectStoreOptions) {
    if (typeof options.rootDir !== "string" || options.rootDir === "") {
      throw new TypeError("FsObjectStore: rootDir must be a non-empty path");
    }
    this.rootDir = resolve(options.rootDir);
    this.sweepStaleTemps = options.sweepStaleTemps ?? true;
  }

  async putNew(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const tempPath = `${path}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
    try {
      await mkdir(dir, { recursive: true });
      await writeDurably(tempPath, body);
      try {
        await link(tempPath, path);
      } catch (err) {
        if (errnoOf(err) === "EEXIST") throw new ObjectExistsError(key, { cause: err });
        throw err;
      }
      // The object is now reachable under `path`; removing the temp name is housekeeping.
      await unlink(tempPath).catch(() => undefined);
      // The new directory entry must reach disk before we acknowledge, and so must the entries
      // of the directories above it: mkdir may have created them (here, or in another process
      // that has not fsynced them yet), so each is fsynced once per store instance.
      await fsyncDir(dir);
      await this.makeDirChainDurable(dir);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      throw translate(err, `putNew ${key}`);
    }
  }

  async getRange(key: string, startByte: number, lengthBytes: number): Promise<Buffer> {
    if (!Number.isSafeInteger(startByte) || startByte < 0) {
      throw new RangeError(`getRange: startByte must be a non-negative integer, got ${startByte}`);
    }
    if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
      throw new RangeError(
        `getRange: lengthBytes must be a non-negative integer, got ${lengthBytes}`,
      );
    }
    const path = this.pathOf(key);
    let fh: FileHandle | undefined;
    try {
      fh = await openForRead(path, key);
      const out = Buffer.allocUnsafe(lengthBytes);
      let filled = 0;
      while (filled < lengthBytes) {
        const { bytesRead } = await fh.read(out, filled, lengthBytes - filled, startByte + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled < lengthBytes || (lengthBytes === 0 && startByte > (await fh.stat()).size)) {
        throw new ObjectRangeError(key, startByte, lengthBytes);
      }
      return out;
    } catch (err) {
      throw translate(err, `getRange ${key}`);
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  async get(key: string): Promise<Buffer> {
    const path = this.pathOf(key);
    let fh: FileHandle | undefined;
    try {
      fh = await openForRead(path, key);
      return await fh.readFile();
    } catch (err) {
      throw translate(err, `get ${key}`);
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    // Only the part of the prefix up to its last "/" names a directory; the rest filters names
    // (S3 prefixes are plain string prefixes: "seg/00" matches "seg/001" and "seg/00/x").
    const slash = prefix.lastIndexOf("/");
    const dirKey = prefix.slice(0, slash + 1);
    if (dirKey !== "" && invalidKeyReason(dirKey.slice(0, -1)) !== undefined) return;
    try {
      yield* this.walk(dirKey, prefix, startAfter);
    } catch (err) {
      throw translate(err, `list ${prefix}`);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const paths = keys.map((key) => this.pathOf(key));
    const dirs = new Set<string>();
    try {
      for (let i = 0; i < paths.length; i += DELETE_CONCURRENCY) {
        await Promise.all(
          paths.slice(i, i + DELETE_CONCURRENCY).map(async (path) => {
            try {
              await unlink(path);
              dirs.add(dirname(path));
            } catch (err) {
              const code = errnoOf(err);
              // Missing, or not an object (a "directory" key): nothing to delete.
              if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR") throw err;
            }
          }),
        );
      }
      // Not needed for safety (a resurrected object is only an orphan for GC), but it keeps a
      // reported deletion from coming back after a power cut.
      for (const dir of dirs) await fsyncDir(dir);
    } catch (err) {
      throw translate(err, `deleteMany (${keys.length} keys)`);
    }
  }

  /** Yields objects under the directory `dirKey` (a key prefix ending in "/", or "") matching `prefix`. */
  /**
   * Keys under `dirKey` matching `prefix` (and after `startAfter`), in ascending key order: a
   * directory sorts as its name plus "/", which is where its keys sort among its siblings.
   */
  private async *walk(
    dirKey: string,
    prefix: string,
    startAfter: string | undefined,
  ): AsyncGenerator<ObjectInfo> {
    const dirPath = dirKey === "" ? this.rootDir : join(this.rootDir, ...dirKey.split("/"));
    let names: { name: string; isDir: boolean }[];
    try {
      const entries = [];
      for await (const entry of await opendir(dirPath)) {
        entries.push({ name: entry.name, isDir: entry.isDirectory() });
      }
      names = entries.sort((a, b) => compareKeys(sortName(a), sortName(b)));
    } catch (err) {
      const code = errnoOf(err);
      if (code === "ENOENT" || code === "ENOTDIR") return; // no such prefix, or deleted meanwhile
      throw err;
    }
    for (const { name, isDir } of names) {
      if (name.endsWith(TEMP_SUFFIX)) {
        if (!isDir && this.sweepStaleTemps) await deleteIfStale(join(dirPath, name));
        continue;
      }
      const key = dirKey + name;
      if (isDir) {
        const sub = `${key}/`;
        // Every key below sorts after `sub`; none is after startAfter if the last one could not be.
        if (startAfter !== undefined && compareKeys(sub, startAfter) <= 0) {
          if (!startAfter.startsWith(sub)) continue;
        }
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) {
          yield* this.walk(sub, prefix, startAfter);
        }
      } else if (
        key.startsWith(prefix) &&
        (startAfter === undefined || compareKeys(key, startAfter) > 0)
      ) {
        try {
          const st = await stat(join(dirPath, name));
          yield { key, sizeBytes: st.size, lastModifiedMs: Math.trunc(st.mtimeMs) };
        } catch (err) {
          if (errnoOf(err) !== "ENOENT") throw err; // deleted while listing: skip it
        }
      }
    }
  }

  private async makeDirChainDurable(dir: string): Promise<void> {
    if (this.durableDirs.has(dir)) return;
    const chain: string[] = [];
    for (let d = dir; !this.durableDirs.has(d); d = dirname(d)) {
      chain.push(d);
      if (d === this.rootDir || d === dirname(d)) break;
    }
    for (const d of chain) await fsyncDir(dirname(d));
    for (const d of chain) this.durableDirs.add(d);
  }

  private pathOf(key: string): string {
    const reason = invalidKeyReason(key);
    if (reason !== undefined) {
      throw new TypeError(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    }
    return join(this.rootDir, ...key.split("/"));
  }
}

/** Why `key` cannot name an object in a directory tree, or undefined if it can. */
function invalidKeyReason(key: string): string | undefined {
  if (typeof key !== "string" || key === "") return "must be a non-empty string";
  if (key.startsWith("/")) return "must be relative (no leading '/')";
  if (key.includes("\0")) return "must not contain NUL";
  if (sep !== "/" && key.includes(sep)) return `must not contain '${sep}'`;
  for (const segment of key.split("/")) {
    if (segment === "") return "must not contain empty segments ('//' or a trailing '/')";
    if (segment === "." || segment === "..") return "must not contain '.' or '..' segments";
    if (segment.endsWith(TEMP_SUFFIX)) return `segments must not end in '${TEMP_SUFFIX}'`;
  }
  return undefined;
}

async function writeDurably(path: string, body: Buffer | readonly Buffer[]): Promise<void> {
  const fh = await open(path, "wx");
  try {
    await fh.writeFile(Buffer.isBuffer(body) ? body : (body as Buffer[]));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Housekeeping: never fails the listing that found the file. */
async function deleteIfStale(tempPath: string): Promise<void> {
  try {
    if (Date.now() - (await stat(tempPath)).mtimeMs > STALE_TEMP_MS) await unlink(tempPath);
  } catch {
    // gone already, or not ours to delete: the next listing tries again
  }
}

async function openForRead(path: string, key: string): Promise<FileHandle> {
  try {
    const fh = await open(path, "r");
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw new ObjectNotFoundError(key);
    }
    return fh;
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
      throw new ObjectNotFoundError(key, { cause: err });
    }
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS metadata journaling covers the entry.
  if (process.platform === "win32") return;
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

/** Typed errors pass through; anything else is an I/O failure the caller may retry. */
function translate(err: unknown, what: string): Error {
  if (err instanceof StorageError || err instanceof TypeError || err instanceof RangeError) {
    return err;
  }
  const code = errnoOf(err);
  return new StorageUnavailableError(`filesystem ${what} failed${code ? ` (${code})` : ""}`, {
    cause: err,
  });
}

/** Where an entry's keys sort among its siblings': a directory as its name plus "/". */
function sortName(entry: { name: string; isDir: boolean }): string {
  return entry.isDir ? `${entry.name}/` : entry.name;
}

/** S3's key order: UTF-8 bytes, not UTF-16 code units (they differ above U+FFFF). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
