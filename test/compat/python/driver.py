"""Floe compat driver for confluent-kafka-python (librdkafka, bundled in the PyPI wheel).

CLI contract and record spec: see test/compat/record-spec.ts and test/compat/drivers.ts.
  --bootstrap host:port --topic T --mode produce|consume|seek
  produce: --count N --partitions P --compression none|gzip|snappy|lz4|zstd [--start I]
  consume: --partitions P --expect N [--timeout-ms 60000]
  seek:    --partition p --seek earliest|latest|offset:<n>|timestamp:<ms> --expect N
           [--idle-ms 10000] [--timeout-ms 60000]
  group:   --group G [--assignor ...] [--instance-id ID] [--session-timeout-ms N]
           [--expect-total N] [--idle-ms N] [--commit auto|sync]   (see group.py)
Output: one JSON line per acknowledged (produce) or received (consume/seek) record; group mode
prints the event lines of test/compat/groups/events.ts.
Exit: 0 ok, 1 error, 2 usage, 3 consume timed out before --expect records arrived.
"""

import hashlib
import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, Producer, TopicPartition

CLIENT = "confluent-kafka-python"
ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# ---- record spec (mirror of test/compat/record-spec.ts) ----


def value_length(i: int) -> int:
    if i % 1000 == 999:
        return 100000
    if i % 100 == 99:
        return 10000
    if i % 10 == 9:
        return 1000
    return 10 + (i * 37) % 190


def record_value(i: int) -> bytes:
    base = i * 7
    return bytes(ALPHABET[(base + j * 13) % 62] for j in range(value_length(i)))


# ---- CLI ----


def die(code: int, msg: str) -> None:
    sys.stdout.flush()
    print(f"confluent-kafka-python driver: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    k = 0
    while k < len(argv):
        if not argv[k].startswith("--") or k + 1 >= len(argv):
            die(2, f"bad argument {argv[k]!r}")
        args[argv[k][2:]] = argv[k + 1]
        k += 2
    return args


def req(args: dict[str, str], k: str) -> str:
    if k not in args:
        die(2, f"missing --{k}")
    return args[k]


# ---- produce ----


def produce(args: dict[str, str]) -> int:
    topic = req(args, "topic")
    count = int(req(args, "count"))
    partitions = int(req(args, "partitions"))
    start = int(args.get("start", "0"))
    # Everything else is the librdkafka default (acks=all, not idempotent).
    producer = Producer({"bootstrap.servers": req(args, "bootstrap"), "compression.type": req(args, "compression")})
    errors: list[str] = []
    out = sys.stdout

    def on_delivery(i: int):
        def cb(err, msg):
            if err is not None:
                errors.append(f"record {i}: {err}")
            else:
                out.write(f'{{"i":{i},"partition":{msg.partition()},"offset":{msg.offset()}}}\n')

        return cb

    for i in range(start, start + count):
        while True:
            try:
                producer.produce(
                    topic,
                    value=record_value(i),
                    key=f"k-{i}".encode(),
                    partition=i % partitions,
                    headers=[("idx", str(i).encode()), ("src", CLIENT.encode())],
                    on_delivery=on_delivery(i),
                )
                break
            except BufferError:
                producer.poll(0.1)  # local queue full: serve delivery reports and retry
        producer.poll(0)
    remaining = producer.flush(60)
    out.flush()
    if remaining:
        die(1, f"{remaining} records not delivered after 60 s")
    if errors:
        die(1, f"delivery failed: {errors[0]} ({len(errors)} errors)")
    return 0


# ---- consume / seek ----


def new_consumer(bootstrap: str) -> Consumer:
    # Partitions are assigned explicitly and nothing is committed, but confluent-kafka refuses to
    # create a consumer without group.id; a throwaway one never joins (librdkafka still looks up
    # its coordinator).
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"floe-compat-{os.getpid()}-{time.time_ns()}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
        }
    )


def poll_loop(c: Consumer, expect: int, timeout_ms: int, idle_ms: int) -> int:
    deadline = time.monotonic() + timeout_ms / 1000
    last_new = time.monotonic()
    got = 0
    out = sys.stdout
    while True:
        now = time.monotonic()
        if expect > 0 and got >= expect:
            return 0
        if idle_ms > 0 and now - last_new >= idle_ms / 1000:
            return 0
        if now >= deadline:
            die(3, f"timed out after {timeout_ms} ms with {got}/{expect} records")
        for msg in c.consume(num_messages=1000, timeout=0.2):
            if msg.error() is not None:
                if msg.error().code() == -191:  # _PARTITION_EOF, only if enabled; not an error
                    continue
                die(1, f"consume: {msg.error()}")
            if expect > 0 and got >= expect:
                break
            got += 1
            last_new = time.monotonic()
            key = msg.key()
            value = msg.value()
            headers = msg.headers() or []
            row = {
                "partition": msg.partition(),
                "offset": msg.offset(),
                "key": None if key is None else key.decode("utf-8", "replace"),
                "valueSha256": hashlib.sha256(value or b"").hexdigest(),
                "valueLength": -1 if value is None else len(value),
                "headers": [[k, None if v is None else v.decode("utf-8", "replace")] for k, v in headers],
                "timestampMs": msg.timestamp()[1],
            }
            out.write(json.dumps(row, separators=(",", ":")) + "\n")


def consume(args: dict[str, str]) -> int:
    topic = req(args, "topic")
    partitions = int(req(args, "partitions"))
    c = new_consumer(req(args, "bootstrap"))
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        return poll_loop(c, int(req(args, "expect")), int(args.get("timeout-ms", "60000")), 0)
    finally:
        c.close()


def seek(args: dict[str, str]) -> int:
    topic = req(args, "topic")
    partition = int(req(args, "partition"))
    where = req(args, "seek")
    expect = int(req(args, "expect"))
    timeout_ms = int(args.get("timeout-ms", "60000"))
    c = new_consumer(req(args, "bootstrap"))
    try:
        if where == "earliest":
            offset = OFFSET_BEGINNING
        elif where == "latest":
            offset = OFFSET_END
        elif where.startswith("offset:"):
            offset = int(where[7:])
        elif where.startswith("timestamp:"):
            found = c.offsets_for_times([TopicPartition(topic, partition, int(where[10:]))], timeout=timeout_ms / 1000)
            offset = found[0].offset
            if found[0].error is not None:
                die(1, f"offsets_for_times: {found[0].error}")
            if offset < 0:  # no record at or after the timestamp
                offset = OFFSET_END
        else:
            die(2, f"bad --seek {where!r}")
        c.assign([TopicPartition(topic, partition, offset)])
        idle = int(args.get("idle-ms", "10000")) if expect == 0 else 0
        return poll_loop(c, expect, timeout_ms, idle)
    finally:
        c.close()


def main() -> None:
    args = parse_args(sys.argv[1:])
    mode = req(args, "mode")
    try:
        if mode == "produce":
            code = produce(args)
        elif mode == "consume":
            code = consume(args)
        elif mode == "seek":
            code = seek(args)
        elif mode == "group":
            import group as group_mode  # next to this file

            for k in ("bootstrap", "topic", "group"):
                req(args, k)
            code = group_mode.group(args, die)
        else:
            die(2, f"unknown --mode {mode!r}")
            return
    except KafkaException as e:
        die(1, str(e))
        return
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
