/**
 * Real processes for the `floe groups` tests: the floe CLI, a Java consumer-group member
 * (test/cli/java/GroupMember.java, compiled on the fly against kafka-clients 4.1.1) and Kafka's
 * own ConsumerGroupCommand (kafka-tools 4.1.1). Both the CLI (`--debug`) and the Java tool
 * (NetworkClient at DEBUG) log every request they send; ApiLog collects those as "Api vN" so
 * the suite can report what a broker must serve for each command.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { kafkaClasspath } from "../compat/reference-kafka.ts";
import { type ProcessResult, requireCommand, runProcess, tail } from "../compat/tools.ts";

const CLI = resolve(import.meta.dirname, "../../lib/cli/main.ts");
const MEMBER_SOURCE = resolve(import.meta.dirname, "java/GroupMember.java");
const JVM_FAST_START = ["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/** Requests seen per command, in first-sent order, e.g. "floe groups list" → ["Metadata v12", …]. */
export class ApiLog {
  readonly byCommand = new Map<string, string[]>();

  add(command: string, requests: string[]): void {
    if (requests.length === 0) return;
    const seen = this.byCommand.get(command) ?? [];
    for (const r of requests) if (!seen.includes(r)) seen.push(r);
    this.byCommand.set(command, seen);
  }

  report(): string {
    return [...this.byCommand]
      .map(([command, requests]) => `${command}\n    ${requests.join(", ")}`)
      .join("\n");
  }
}

/** Runs `floe ARGS --bootstrap B --debug` (stdin: `input`); the debug lines are taken out of stderr into `log`. */
export async function floeCli(
  bootstrap: string,
  args: string[],
  log?: ApiLog,
  input?: string,
): Promise<ProcessResult> {
  const r = await runProcess(
    process.execPath,
    [CLI, ...args, "--bootstrap", bootstrap, "--debug"],
    {
      input,
      timeoutMs: 60_000,
    },
  );
  const requests: string[] = [];
  const other: string[] = [];
  for (const line of r.stderr.split("\n")) {
    const m = /^floe: > (\S+) \(key \d+\) v(\d+)$/.exec(line);
    if (m) requests.push(`${m[1]} v${m[2]}`);
    else if (line !== "") other.push(line);
  }
  const command = args.filter((a) => !a.startsWith("--")).slice(0, 2);
  log?.add(`floe ${command.join(" ")}`, requests);
  return { ...r, stderr: other.join("\n") };
}

export interface JavaTools {
  dir: string;
  classpath: string;
}

/** Compiles GroupMember.java and writes a log4j2 config that logs each request the tool sends. */
export async function prepareJavaTools(): Promise<JavaTools> {
  const javac = requireCommand("javac", "javac (JDK >= 17)");
  const libs = kafkaClasspath();
  const dir = mkdtempSync(join(tmpdir(), "floe-groups-java-"));
  const compiled = await runProcess(javac, ["-cp", libs, "-d", dir, MEMBER_SOURCE], {
    timeoutMs: 60_000,
  });
  if (compiled.code !== 0) throw new Error(`javac GroupMember.java failed:\n${compiled.stderr}`);
  writeFileSync(
    join(dir, "log4j2.properties"),
    [
      "status = warn",
      "appender.err.type = Console",
      "appender.err.name = STDERR",
      "appender.err.target = SYSTEM_ERR",
      "appender.err.layout.type = PatternLayout",
      "appender.err.layout.pattern = %m%n",
      "rootLogger.level = WARN",
      "rootLogger.appenderRef.err.ref = STDERR",
      "logger.net.name = org.apache.kafka.clients.NetworkClient",
      "logger.net.level = DEBUG",
      "",
    ].join("\n"),
  );
  return { dir, classpath: `${dir}:${libs}` };
}

const CAMEL = (name: string): string =>
  name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());

/** Runs kafka-consumer-groups (ConsumerGroupCommand) with ARGS against `bootstrap`. */
export async function consumerGroupCommand(
  java: JavaTools,
  bootstrap: string,
  args: string[],
  log?: ApiLog,
): Promise<ProcessResult> {
  const r = await runProcess(
    requireCommand("java"),
    [
      ...JVM_FAST_START,
      `-Dlog4j2.configurationFile=${join(java.dir, "log4j2.properties")}`,
      "-cp",
      java.classpath,
      "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
      "--bootstrap-server",
      bootstrap,
      ...args,
    ],
    { timeoutMs: 120_000 },
  );
  const requests: string[] = [];
  const other: string[] = [];
  for (const line of r.stderr.split("\n")) {
    // Lines look like "[AdminClient clientId=adminclient-1] Sending LIST_GROUPS request with
    // header RequestHeader(apiKey=LIST_GROUPS, apiVersion=5, …) …".
    const m =
      /Sending ([A-Z_]+) request with header RequestHeader\(apiKey=\1, apiVersion=(\d+)/.exec(line);
    if (m) requests.push(`${CAMEL(m[1])} v${m[2]}`);
    else if (line !== "" && !/^\[\w+ clientId=/.test(line)) other.push(line);
  }
  log?.add(`kafka-consumer-groups ${args.filter((a) => a.startsWith("--"))[0]}`, requests);
  return { ...r, stderr: other.join("\n") };
}

export interface GroupMemberProcess {
  /** Closes its stdin: the member leaves the group and exits. */
  leave(): Promise<void>;
  kill(): void;
}

/**
 * Starts a group member that consumes `topic` up to `targets` (partition → offset), commits
 * those offsets and stays in the group; resolves once it printed READY.
 */
export async function startGroupMember(
  java: JavaTools,
  bootstrap: string,
  opts: { topic: string; group: string; clientId: string; targets: Record<number, number> },
): Promise<GroupMemberProcess> {
  const spec = Object.entries(opts.targets)
    .map(([p, o]) => `${p}:${o}`)
    .join(",");
  const child: ChildProcess = spawn(
    requireCommand("java"),
    [
      ...JVM_FAST_START,
      "-cp",
      java.classpath,
      "GroupMember",
      bootstrap,
      opts.topic,
      opts.group,
      opts.clientId,
      spec,
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const ready = await Promise.race([
    new Promise<boolean>((r) => {
      const check = (): void => {
        if (out.includes("READY")) r(true);
      };
      child.stdout!.on("data", check);
      check();
    }),
    exited.then(() => false),
  ]);
  if (!ready) throw new Error(`GroupMember exited before READY:\n${tail(out + err)}`);
  return {
    async leave() {
      child.stdin!.end();
      const code = await exited;
      if (code !== 0 || !out.includes("CLOSED"))
        throw new Error(`GroupMember did not leave cleanly (exit ${code}):\n${tail(out + err)}`);
    },
    kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
