"""`--mode group` of the confluent-kafka-python driver (librdkafka, classic group protocol).

  --bootstrap B --topic T --group G [--assignor range|roundrobin|cooperative-sticky]
  [--instance-id ID] [--session-timeout-ms N] [--expect-total N] [--idle-ms N]
  [--commit auto|sync]

Prints the event lines of test/compat/groups/events.ts: "started"; "assigned"/"revoked"/"lost"
from the on_assign/on_revoke/on_lost callbacks; "record"; "commit" (sync commits, and
auto-commits via the on_commit callback); "closed". Without --assignor librdkafka's default
"range,roundrobin" applies (range is chosen).

Generation and member id: librdkafka has no getter for the generation, but
consumer_group_metadata() returns its serialised ConsumerGroupMetadata ("CGMDv2:", native int32
generation id, NUL-terminated group id, NUL-terminated member id, ...; rd_kafka_consumer_group_
metadata_write in rdkafka_cgrp.c). The generation is read from there; if the layout ever
changes it is reported as null and the checker falls back to wall-clock checks.

Sync commits: after each consume() batch the positions reached (last offset + 1 per partition)
are committed synchronously; a failed commit stays pending and is retried on the next loop turn
(every <= 200 ms); on_revoke commits what is pending for the revoked partitions; on_lost drops
it. Heartbeat interval = max(500, session timeout / 6) ms. SIGTERM: leave the loop, close()
(revoke, then LeaveGroup for a dynamic member), print "closed", exit 0.
"""

import json
import os
import signal
import struct
import sys
import time

from confluent_kafka import Consumer, KafkaException

CGMD_MAGIC = b"CGMDv2:"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class GroupRun:
    def __init__(self, topic: str, sync_commit: bool):
        self.topic = topic
        self.sync_commit = sync_commit
        self.pending: dict[int, int] = {}
        self.consumer: Consumer | None = None
        self.stop = False
        self.last_new = 0  # ms of the last record or the first assignment; 0 before either

    def line(self, obj: dict) -> None:
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def metadata(self) -> tuple[int | None, str | None]:
        try:
            md = self.consumer.consumer_group_metadata()
        except Exception:  # not joined yet
            return None, None
        member = None
        try:
            member = self.consumer.memberid() or None
        except Exception:
            pass
        if isinstance(md, bytes) and md.startswith(CGMD_MAGIC) and len(md) >= len(CGMD_MAGIC) + 4:
            (gen,) = struct.unpack_from("=i", md, len(CGMD_MAGIC))
            return (gen if gen >= 0 else None), member
        return None, member

    def event(self, ev: str, parts) -> None:
        gen, member = self.metadata()
        ps = sorted(p.partition for p in parts if p.topic == self.topic)
        self.line({"ev": ev, "partitions": ps, "generation": gen, "memberId": member, "t": now_ms()})

    def commit_event(self, sent: dict[int, int], error: str | None, issued_at: int | None) -> None:
        gen, _ = self.metadata()
        ev = {"ev": "commit", "offsets": {str(q): o for q, o in sorted(sent.items())}, "ok": error is None}
        if error is not None:
            ev["error"] = error
        ev["generation"] = gen
        if issued_at is not None:
            ev["t0"] = issued_at
        ev["t"] = now_ms()
        self.line(ev)

    def commit_pending(self, only=None) -> None:
        from confluent_kafka import TopicPartition

        sent = {q: o for q, o in self.pending.items() if only is None or q in only}
        if not sent:
            return
        error = None
        issued_at = now_ms()
        try:
            res = self.consumer.commit(
                offsets=[TopicPartition(self.topic, q, o) for q, o in sent.items()], asynchronous=False
            )
            for tp in res or []:
                if tp.error is not None and error is None:
                    error = tp.error.name() if hasattr(tp.error, "name") else str(tp.error)
        except KafkaException as e:
            err = e.args[0] if e.args else e
            error = f"{err.name()}: {err.str()}" if hasattr(err, "name") else str(err)
        self.commit_event(sent, error, issued_at)
        if error is None:
            for q, o in sent.items():
                if self.pending.get(q) == o:
                    del self.pending[q]

    # librdkafka serves these from inside consume()/close(), on this thread.
    def on_assign(self, consumer, parts) -> None:
        if self.last_new == 0:
            self.last_new = now_ms()
        self.event("assigned", parts)

    def on_revoke(self, consumer, parts) -> None:
        revoked = {p.partition for p in parts if p.topic == self.topic}
        if self.sync_commit:
            self.commit_pending(revoked)
        for q in revoked:
            self.pending.pop(q, None)
        self.event("revoked", parts)

    def on_lost(self, consumer, parts) -> None:
        for p in parts:
            self.pending.pop(p.partition, None)
        self.event("lost", parts)

    def on_commit(self, err, parts) -> None:  # auto-commit mode only
        sent = {p.partition: p.offset for p in parts if p.topic == self.topic and p.offset >= 0}
        if not sent and err is None:
            return
        self.commit_event(sent, None if err is None else f"{err.name()}: {err.str()}", None)


def group(args: dict[str, str], die) -> int:
    topic = args["topic"]
    commit = args.get("commit", "sync")
    if commit not in ("sync", "auto"):
        die(2, f"bad --commit {commit!r}")
    session_ms = int(args.get("session-timeout-ms", "10000"))
    expect_total = int(args.get("expect-total", "0"))
    idle_ms = int(args.get("idle-ms", "0"))
    run = GroupRun(topic, commit == "sync")
    conf = {
        "bootstrap.servers": args["bootstrap"],
        "group.id": args["group"],
        "client.id": f"floe-group-librdkafka-{os.getpid()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": commit == "auto",
        "auto.commit.interval.ms": 1000,
        "session.timeout.ms": session_ms,
        "heartbeat.interval.ms": max(500, session_ms // 6),
    }
    if "assignor" in args:
        conf["partition.assignment.strategy"] = args["assignor"]
    if "instance-id" in args:
        conf["group.instance.id"] = args["instance-id"]
    if commit == "auto":
        conf["on_commit"] = run.on_commit
    c = Consumer(conf)
    run.consumer = c

    def on_term(signum, frame):
        run.stop = True

    signal.signal(signal.SIGTERM, on_term)
    c.subscribe([topic], on_assign=run.on_assign, on_revoke=run.on_revoke, on_lost=run.on_lost)
    run.line({"ev": "started", "t": now_ms()})
    printed = 0
    try:
        while not run.stop:
            msgs = c.consume(num_messages=500, timeout=0.2)
            rows = []
            for m in msgs:
                if m.error() is not None:
                    if m.error().code() == -191:  # _PARTITION_EOF, only if enabled
                        continue
                    run.line({"ev": "error", "error": str(m.error()), "t": now_ms()})
                    continue
                key = m.key() or b""
                i = int(key[2:]) if key.startswith(b"k-") and key[2:].isdigit() else None
                rows.append(
                    json.dumps(
                        {"ev": "record", "partition": m.partition(), "offset": m.offset(), "i": i, "t": now_ms()},
                        separators=(",", ":"),
                    )
                )
                run.pending[m.partition()] = m.offset() + 1
            if rows:
                sys.stdout.write("\n".join(rows) + "\n")
                sys.stdout.flush()
                printed += len(rows)
                run.last_new = now_ms()
            if run.sync_commit and run.pending:
                run.commit_pending()
            if expect_total > 0 and printed >= expect_total:
                break
            if idle_ms > 0 and run.last_new > 0 and now_ms() - run.last_new >= idle_ms:
                break
    finally:
        c.close()  # revokes (committing what is pending), then LeaveGroup
        run.line({"ev": "closed", "t": now_ms()})
    return 0
