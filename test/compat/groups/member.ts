// One consumer-group member as a child process: spawned with the driver's `--mode group`, its
// stdout parsed line by line into events (events.ts) as they arrive, and controlled by signals:
//   term()  SIGTERM → the driver closes the consumer (revoke + LeaveGroup) and prints "closed"
//   kill()  SIGKILL → a crash: no revoke, no LeaveGroup; the broker notices at session timeout
//   pause() SIGSTOP, resume() SIGCONT → a frozen process (GC pause, stopped VM)
// Every signal and the exit are recorded as actions with the harness's clock, so the checker can
// tell a crash or a pause from a protocol violation. Members still alive when a scenario ends
// are SIGKILLed by killAll() (also on process exit).
import { type ChildProcess, spawn } from "node:child_process";
import { ROOT, tail } from "../tools.ts";
import type { GroupClient } from "./clients.ts";
import {
  type GroupEvent,
  isRebalance,
  type MemberAction,
  type MemberLog,
  parseEvent,
} from "./events.ts";

export interface MemberOptions {
  name: string;
  client: GroupClient;
  bootstrap: string;
  topic: string;
  group: string;
  sessionTimeoutMs: number;
  instanceId?: string;
  commit?: "sync" | "auto";
}

const live = new Set<GroupMember>();
let exitHookInstalled = false;

export class GroupMember {
  readonly name: string;
  readonly client: GroupClient;
  readonly instanceId: string | undefined;
  readonly events: GroupEvent[] = [];
  readonly actions: MemberAction[] = [];
  /** Lines that were not valid events (the checker reports them). */
  readonly garbage: string[] = [];
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly owned = new Set<number>();
  private stdoutRest = "";
  private stderr = "";
  private exitInfo: string | null = null;
  private isPaused = false;

  private constructor(opts: MemberOptions) {
    this.name = opts.name;
    this.client = opts.client;
    this.instanceId = opts.instanceId;
    opts.client.requireTools();
    const args = [
      "--mode",
      "group",
      "--bootstrap",
      opts.bootstrap,
      "--topic",
      opts.topic,
      "--group",
      opts.group,
      "--session-timeout-ms",
      String(opts.sessionTimeoutMs),
      "--commit",
      opts.commit ?? "sync",
    ];
    if (opts.client.assignor) args.push("--assignor", opts.client.assignor);
    if (opts.instanceId) args.push("--instance-id", opts.instanceId);
    const { cmd, args: argv } = opts.client.command(args);
    this.act("spawn");
    this.child = spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        // A line cut short by SIGKILL is the crash, not garbage (records are printed before
        // their commit, so a lost record line was never committed either).
        if (this.stdoutRest.trim() !== "" && signal !== "SIGKILL") this.onLine(this.stdoutRest);
        this.exitInfo = signal ?? `exit ${code}`;
        this.act("exit", this.exitInfo);
        live.delete(this);
        resolve();
      });
      this.child.on("error", (err) => {
        this.stderr += `\nspawn failed: ${err.message}`;
      });
    });
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", () => {
        for (const m of live) m.signal("SIGKILL");
      });
    }
  }

  static spawn(opts: MemberOptions): GroupMember {
    return new GroupMember(opts);
  }

  private act(kind: MemberAction["kind"], detail?: string): void {
    this.actions.push(
      detail === undefined ? { kind, t: Date.now() } : { kind, t: Date.now(), detail },
    );
  }

  private onStdout(chunk: string): void {
    const lines = (this.stdoutRest + chunk).split("\n");
    this.stdoutRest = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") this.onLine(line);
  }

  private onLine(line: string): void {
    let e: GroupEvent;
    try {
      e = parseEvent(line);
    } catch {
      this.garbage.push(line.slice(0, 300));
      return;
    }
    this.events.push(e);
    if (isRebalance(e)) {
      if (e.ev === "assigned") for (const p of e.partitions) this.owned.add(p);
      else for (const p of e.partitions) this.owned.delete(p);
    }
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      this.child.kill(sig);
    } catch {
      // already gone
    }
  }

  /** Partitions the member believes it owns right now (from its own events). */
  get ownedPartitions(): ReadonlySet<number> {
    return this.owned;
  }
  get alive(): boolean {
    return this.exitInfo === null;
  }
  get paused(): boolean {
    return this.isPaused;
  }
  /** "exit 0", "SIGKILL", …; null while running. */
  get exitStatus(): string | null {
    return this.exitInfo;
  }
  count(ev: GroupEvent["ev"]): number {
    return this.events.filter((e) => e.ev === ev).length;
  }
  lastRebalance(): GroupEvent | undefined {
    return this.events.findLast(isRebalance);
  }

  /** SIGTERM and wait for the exit; SIGKILL and throw if it does not come within timeoutMs. */
  async term(timeoutMs = 30_000): Promise<void> {
    if (!this.alive) return;
    this.act("term");
    this.signal("SIGTERM");
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
    ]);
    if (timedOut) {
      await this.kill();
      throw new Error(
        `${this.name} did not exit within ${timeoutMs} ms of SIGTERM\n${this.describe()}`,
      );
    }
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    this.act("kill");
    this.signal("SIGKILL");
    await this.exited;
  }

  pause(): void {
    this.act("stop");
    this.signal("SIGSTOP");
    this.isPaused = true;
  }

  resume(): void {
    this.act("cont");
    this.signal("SIGCONT");
    this.isPaused = false;
  }

  log(): MemberLog {
    const log: MemberLog = {
      name: this.name,
      client: this.client.label,
      events: this.events,
      actions: this.actions,
    };
    return this.instanceId ? { ...log, instanceId: this.instanceId } : log;
  }

  /** Name, state, the last rebalance events and the stderr tail, for failure messages. */
  describe(): string {
    const rebalances = this.events
      .filter((e) => e.ev !== "record")
      .slice(-8)
      .map((e) => `    ${JSON.stringify(e)}`);
    return [
      `${this.name} [${this.client.label}] ${this.exitInfo ?? (this.isPaused ? "paused" : "running")}, ` +
        `owns [${[...this.owned].sort((a, b) => a - b).join(",")}], ${this.count("record")} records`,
      ...rebalances,
      ...(this.garbage.length > 0 ? [`    garbage: ${this.garbage.slice(-3).join(" | ")}`] : []),
      ...(this.stderr.trim()
        ? [`    stderr: ${tail(this.stderr, 6).split("\n").join("\n    ")}`]
        : []),
    ].join("\n");
  }
}

/** SIGKILLs every member still alive (resuming paused ones first so they can die). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(async (m) => {
      if (m.paused) m.resume();
      await m.kill();
    }),
  );
}

/** Polls `pred` every 50 ms until it holds; throws with `what` and the members' state if not. */
export async function waitUntil(
  what: string,
  pred: () => boolean,
  timeoutMs: number,
  members: readonly GroupMember[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\n${members.map((m) => m.describe()).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
