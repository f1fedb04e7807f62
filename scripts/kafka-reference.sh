#!/usr/bin/env bash
# Runs the reference Apache Kafka 4.1.1 broker (single-node KRaft, combined mode, loopback) for
# manual use and benchmarks. Tests start their own broker (test/compat/reference-kafka.ts).
#   bash scripts/kafka-reference.sh start    # prints the bootstrap address once it is ready
#   bash scripts/kafka-reference.sh stop
#   bash scripts/kafka-reference.sh status
# Ports: KAFKA_PORT (default 19092) and KAFKA_CONTROLLER_PORT (19093). Heap: KAFKA_HEAP (1g).
# State (config, data, server.log, pid) lives in .tools/run/kafka-reference and is wiped by
# `start` unless KAFKA_KEEP_DATA=1. Requires `bash scripts/setup-test-deps.sh` first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIBS="$ROOT/.tools/kafka/libs"
RUN="$ROOT/.tools/run/kafka-reference"
PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-19093}"
HEAP="${KAFKA_HEAP:-1g}"

running() { [[ -f "$RUN/pid" ]] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; }

case "${1:-}" in
start)
  [[ -f "$LIBS/kafka_2.13-4.1.1.jar" ]] || { echo "kafka-reference: .tools/kafka/libs missing; run: bash scripts/setup-test-deps.sh" >&2; exit 1; }
  if running; then echo "127.0.0.1:$(cat "$RUN/port")"; exit 0; fi
  [[ "${KAFKA_KEEP_DATA:-}" == 1 ]] || rm -rf "$RUN"
  mkdir -p "$RUN"
  cat >"$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.voters=1@127.0.0.1:$CPORT
log.dirs=$RUN/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=4
PROPS
  cat >"$RUN/log4j2.properties" <<LOG
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $RUN/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
LOG
  CP="$LIBS/*"
  LOG4J="-Dlog4j2.configurationFile=$RUN/log4j2.properties"
  if [[ ! -f "$RUN/data/meta.properties" ]]; then
    ID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    java "$LOG4J" -cp "$CP" kafka.tools.StorageTool format -t "$ID" -c "$RUN/server.properties" >"$RUN/format.log" 2>&1 ||
      { cat "$RUN/format.log" >&2; exit 1; }
  fi
  echo "$PORT" >"$RUN/port"
  setsid java "-Xmx$HEAP" "-Xms$HEAP" "$LOG4J" -cp "$CP" kafka.Kafka "$RUN/server.properties" \
    >"$RUN/stdout.log" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  for _ in $(seq 1 360); do
    if grep -q "Kafka Server started" "$RUN/server.log" 2>/dev/null; then echo "127.0.0.1:$PORT"; exit 0; fi
    running || { echo "kafka-reference: broker exited; see $RUN/stdout.log and $RUN/server.log" >&2; tail -n 20 "$RUN/stdout.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "kafka-reference: not ready after 90 s; see $RUN/server.log" >&2
  exit 1
  ;;
stop)
  if running; then
    PID="$(cat "$RUN/pid")"
    kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID"
    for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$PID" 2>/dev/null || true
  fi
  rm -f "$RUN/pid"
  echo "stopped"
  ;;
status)
  if running; then echo "running at 127.0.0.1:$(cat "$RUN/port") (pid $(cat "$RUN/pid"))"; else echo "not running"; exit 1; fi
  ;;
*)
  echo "usage: bash scripts/kafka-reference.sh start|stop|status" >&2
  exit 2
  ;;
esac
