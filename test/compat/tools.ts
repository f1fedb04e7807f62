// Where scripts/setup-test-deps.sh puts the compat tools, a check that throws the install hint
// when one is missing (a missing prerequisite is an error, never a silent skip), and a small
// process runner for the out-of-process drivers.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const TOOLS = join(ROOT, ".tools");
export const INSTALL_HINT = "run: bash scripts/setup-test-deps.sh";

export const TOOL_PATHS = {
  kafkaLibs: join(TOOLS, "kafka", "libs"),
  javaDriver: join(TOOLS, "bin", "java-driver"),
  franzgoDriver: join(TOOLS, "bin", "franzgo-driver"),
  python: join(TOOLS, "venv", "bin", "python"),
  pythonDriver: join(ROOT, "test", "compat", "python", "driver.py"),
} as const;

/** Throws with the install hint unless `path` exists (and is executable when asked). */
export function requireTool(path: string, what: string, executable = true): string {
  try {
    accessSync(path, executable ? constants.X_OK : constants.R_OK);
  } catch {
    throw new Error(`${what} is missing (${path}); ${INSTALL_HINT}`);
  }
  return path;
}

/** Throws with the install hint unless `command` is on PATH; returns its full path. */
export function requireCommand(command: string, what = command): string {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${what} is not on PATH; ${INSTALL_HINT}`);
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: Buffer | string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion, killing it after `timeoutMs`. Never rejects on exit codes. */
export function runProcess(
  command: string,
  args: string[],
  opts: RunOptions,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    // A child that exits early closes stdin; that EPIPE is reported through its exit status.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

export function tail(text: string, lines = 15): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export function parseJsonLines<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() !== "") rows.push(JSON.parse(line) as T);
  }
  return rows;
}
