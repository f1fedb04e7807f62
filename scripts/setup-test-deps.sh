#!/usr/bin/env bash
# Installs what the compat tests (test/compat) and the benchmarks need, into .tools/ (git-ignored):
#   kcat                  Debian package (apt-get)
#   .tools/kafka/libs     reference Apache Kafka 4.1.1 broker + tools   (Maven, tools/kafka/pom.xml)
#   .tools/java-driver    Java kafka-clients driver, compiled with javac (test/compat/java)
#   .tools/venv           confluent-kafka-python driver's venv            (PyPI, test/compat/python)
#   .tools/bin/franzgo-driver  franz-go driver                           (Go proxy, test/compat/go)
#   .tools/moto-venv      moto S3 server for the AWS-backend tests       (PyPI, tools/moto)
#   .tools/cfn-lint-venv  cfn-lint for the CDK templates (test/cdk)      (PyPI, tools/cfn-lint)
#   .tools/charts-venv    matplotlib for the benchmark charts (bench/)   (PyPI, tools/charts)
# Idempotent: each component is stamped with a hash of its inputs and skipped while the stamp
# and its outputs are there, so a re-run takes about a second. Usage:
#   bash scripts/setup-test-deps.sh          # install what is missing or stale
#   FORCE=1 bash scripts/setup-test-deps.sh  # rebuild everything
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
STAMPS="$TOOLS/stamps"
LOGS="$TOOLS/logs"
mkdir -p "$STAMPS" "$LOGS" "$TOOLS/bin"

# One run at a time (npm test, the benchmarks and a developer may start it together).
exec 9>"$TOOLS/.lock"
if ! flock -w 600 9; then
  echo "setup-test-deps: another run holds .tools/.lock for over 10 minutes" >&2
  exit 1
fi

fail() { # component, hint
  echo "setup-test-deps: $1 FAILED — $2" >&2
  exit 1
}

# Runs a command with its output in .tools/logs/<component>.log; on failure shows the tail.
logged() { # component, hint, command...
  local component="$1" hint="$2"
  shift 2
  if ! "$@" >>"$LOGS/$component.log" 2>&1; then
    tail -n 15 "$LOGS/$component.log" | sed 's/^/  | /' >&2
    fail "$component" "$hint (full log: .tools/logs/$component.log)"
  fi
}

# Hash of the given files' contents plus extra strings (tool versions).
inputs_hash() {
  { for f in "$@"; do if [[ -f "$f" ]]; then cat "$f"; else printf '%s\n' "$f"; fi; done; } \
    | sha256sum | cut -c1-16
}

fresh() { # component, hash, outputs... → 0 when the stamp matches and every output exists
  local component="$1" hash="$2"
  shift 2
  [[ -z "${FORCE:-}" && -f "$STAMPS/$component" && "$(cat "$STAMPS/$component")" == "$hash" ]] || return 1
  for o in "$@"; do [[ -e "$o" ]] || return 1; done
}

stamp() { echo "$2" >"$STAMPS/$1"; }

# ---- kcat (Debian) ----
if command -v kcat >/dev/null 2>&1; then
  status=cached
else
  if [[ "$(id -u)" != 0 ]]; then
    fail kcat "not installed and not root: run 'sudo apt-get install -y kcat' (Debian package kcat)"
  fi
  : >"$LOGS/kcat.log"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y kcat >>"$LOGS/kcat.log" 2>&1; then
    logged kcat "apt-get update failed" apt-get update
    logged kcat "apt-get install -y kcat failed" env DEBIAN_FRONTEND=noninteractive apt-get install -y kcat
  fi
  status=installed
fi
echo "kcat: $status ($(kcat -V 2>&1 | grep -o 'Version [^ ]* ([^)]*librdkafka [0-9.]*' | sed 's/(.*librdkafka/with librdkafka/'))"

# ---- Java + Maven ----
command -v java >/dev/null 2>&1 || fail java "no 'java' on PATH: install a JDK >= 17 (apt-get install -y openjdk-17-jdk-headless)"
command -v javac >/dev/null 2>&1 || fail java "no 'javac' on PATH: install a JDK >= 17, not just a JRE (apt-get install -y openjdk-17-jdk-headless)"
JAVA_VERSION_LINE="$(java -version 2>&1 | head -n 1)"
JAVA_MAJOR="$(sed -E 's/.*version "([0-9]+)(\.[0-9]+)?.*/\1/' <<<"$JAVA_VERSION_LINE")"
[[ "$JAVA_MAJOR" =~ ^[0-9]+$ && "$JAVA_MAJOR" -ge 17 ]] ||
  fail java "need Java >= 17 for Kafka 4.x, found: $JAVA_VERSION_LINE (apt-get install -y openjdk-17-jdk-headless)"

need_mvn() { command -v mvn >/dev/null 2>&1 || fail "$1" "no 'mvn' on PATH: apt-get install -y maven"; }

# mvn dependency:copy-dependencies for a pom-only project into a fresh directory.
mvn_copy() { # component, pom, outdir
  rm -rf "$3"
  mkdir -p "$3"
  logged "$1" "Maven could not resolve $2 (Maven Central reachable? try: mvn -B -f $2 dependency:tree)" \
    mvn -q -B -f "$2" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$3"
}

# ---- reference Kafka broker (Maven Central) ----
KAFKA_LIBS="$TOOLS/kafka/libs"
h="$(inputs_hash "$ROOT/tools/kafka/pom.xml")"
if fresh kafka "$h" "$KAFKA_LIBS/kafka_2.13-4.1.1.jar" "$KAFKA_LIBS/kafka-tools-4.1.1.jar"; then
  status=cached
else
  need_mvn kafka
  : >"$LOGS/kafka.log"
  mvn_copy kafka "$ROOT/tools/kafka/pom.xml" "$KAFKA_LIBS"
  stamp kafka "$h"
  status=installed
fi
echo "kafka: $status (Apache Kafka 4.1.1, $(ls "$KAFKA_LIBS" | wc -l) jars in .tools/kafka/libs, $JAVA_VERSION_LINE)"

# ---- Java kafka-clients driver ----
JD="$TOOLS/java-driver"
h="$(inputs_hash "$ROOT/test/compat/java/pom.xml" "$ROOT/test/compat/java/Driver.java" "$ROOT/test/compat/java/GroupMode.java" "$JAVA_VERSION_LINE")"
if fresh java-driver "$h" "$JD/classes/Driver.class" "$TOOLS/bin/java-driver"; then
  status=cached
else
  need_mvn java-driver
  : >"$LOGS/java-driver.log"
  mvn_copy java-driver "$ROOT/test/compat/java/pom.xml" "$JD/libs"
  rm -rf "$JD/classes"
  mkdir -p "$JD/classes"
  logged java-driver "javac failed on test/compat/java/*.java" \
    javac -encoding UTF-8 --release 17 -cp "$JD/libs/*" -d "$JD/classes" \
      "$ROOT/test/compat/java/Driver.java" "$ROOT/test/compat/java/GroupMode.java"
  cat >"$TOOLS/bin/java-driver" <<LAUNCHER
#!/usr/bin/env bash
# Generated by scripts/setup-test-deps.sh: runs test/compat/java/Driver.java.
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \\
  -cp "$JD/classes:$JD/libs/*" Driver "\$@"
LAUNCHER
  chmod +x "$TOOLS/bin/java-driver"
  stamp java-driver "$h"
  status=installed
fi
echo "java-driver: $status (kafka-clients 4.1.1 → .tools/bin/java-driver)"

# ---- confluent-kafka-python driver ----
VENV="$TOOLS/venv"
command -v python3 >/dev/null 2>&1 || fail python "no 'python3' on PATH: apt-get install -y python3 python3-venv"
PY_VERSION="$(python3 -c 'import sys; print(sys.version.split()[0])')"
h="$(inputs_hash "$ROOT/test/compat/python/requirements.txt" "$PY_VERSION")"
if fresh python "$h" "$VENV/bin/python"; then
  status=cached
else
  : >"$LOGS/python.log"
  rm -rf "$VENV"
  logged python "python3 -m venv failed (Debian: apt-get install -y python3-venv)" python3 -m venv "$VENV"
  logged python "pip could not install test/compat/python/requirements.txt from PyPI" \
    "$VENV/bin/pip" install --disable-pip-version-check -q -r "$ROOT/test/compat/python/requirements.txt"
  stamp python "$h"
  status=installed
fi
echo "python: $status (confluent-kafka $("$VENV/bin/python" -c 'import confluent_kafka as c; print(c.version(), "with librdkafka", c.libversion()[0])') in .tools/venv)"

# ---- franz-go driver ----
command -v go >/dev/null 2>&1 || fail franzgo "no 'go' on PATH: install Go >= 1.24 (https://go.dev/dl is not reachable here; use the machine's Go or apt-get install -y golang)"
GO_VERSION="$(go env GOVERSION)"
GD="$ROOT/test/compat/go"
h="$(inputs_hash "$GD/go.mod" "$GD/go.sum" "$GD/main.go" "$GD/group.go" "$GO_VERSION")"
if fresh franzgo "$h" "$TOOLS/bin/franzgo-driver"; then
  status=cached
else
  : >"$LOGS/franzgo.log"
  (
    cd "$GD"
    export GOFLAGS="-mod=mod -buildvcs=false"
    logged franzgo "go build failed in test/compat/go (Go module proxy reachable? try: cd test/compat/go && go mod download)" \
      go build -trimpath -o "$TOOLS/bin/franzgo-driver" .
  )
  stamp franzgo "$h"
  status=installed
fi
echo "franzgo: $status (franz-go $(grep -o 'twmb/franz-go v[0-9.]*' "$GD/go.mod" | cut -d' ' -f2), $GO_VERSION → .tools/bin/franzgo-driver)"

# ---- Python tools in their own venvs (PyPI), each pinned by tools/<name>/requirements.txt ----
command -v python3 >/dev/null 2>&1 || fail python-tools "no 'python3' on PATH: apt-get install -y python3 python3-venv"
PY_VERSION="$(python3 -c 'import sys; print(sys.version.split()[0])')"

python_tool() { # component, venv dir, requirements, an executable the venv must have
  local h
  h="$(inputs_hash "$3" "$PY_VERSION")"
  if fresh "$1" "$h" "$4"; then
    status=cached
  else
    : >"$LOGS/$1.log"
    rm -rf "$2"
    logged "$1" "python3 -m venv failed (Debian: apt-get install -y python3-venv)" python3 -m venv "$2"
    logged "$1" "pip could not install ${3#"$ROOT"/} from PyPI (reachable? pins made for Python 3.11; this is $PY_VERSION)" \
      "$2/bin/pip" install --disable-pip-version-check -q -r "$3"
    stamp "$1" "$h"
    status=installed
  fi
}

# moto's S3 server, for the AWS-backend tests (test/helpers/emulators/s3-server.ts starts it
# through tools/moto/s3_server.py).
python_tool moto "$TOOLS/moto-venv" "$ROOT/tools/moto/requirements.txt" "$TOOLS/moto-venv/bin/moto_server"
echo "moto: $status (moto $("$TOOLS/moto-venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))') in .tools/moto-venv, started by tools/moto/s3_server.py)"

# cfn-lint, for the CDK app's synthesized templates (test/cdk).
python_tool cfn-lint "$TOOLS/cfn-lint-venv" "$ROOT/tools/cfn-lint/requirements.txt" "$TOOLS/cfn-lint-venv/bin/cfn-lint"
echo "cfn-lint: $status ($("$TOOLS/cfn-lint-venv/bin/cfn-lint" --version) → .tools/cfn-lint-venv/bin/cfn-lint)"

# matplotlib, for the benchmark charts (bench/, docs/benchmarks/).
python_tool charts "$TOOLS/charts-venv" "$ROOT/tools/charts/requirements.txt" "$TOOLS/charts-venv/bin/python"
echo "charts: $status (matplotlib $("$TOOLS/charts-venv/bin/python" -c 'import matplotlib; print(matplotlib.__version__)') → .tools/charts-venv)"
