#!/usr/bin/env bash
# agent-runtime benchmark: starts the packaged platform on its own Kafka and PostgreSQL (sim at zero pace) and prints
# idle sessions per GiB of heap, turns/s with and without a tool call, and time to first token with 1,000 sessions
# streaming at once, against the targets.
#
#   e2e/bench/runtime.sh          (-Dsessions=100000 -Dwarmup=600 (at most) -Dseconds=20 -Dstreaming=1000
#                                 -DturnsPerSession=20 by default; -Dparts=idle,tools,talk,floor,burst,sse,spans:
#                                 some only; spans: CPU per tool turn with the span store on, off, and tracing off)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$ROOT"
[ -f services/agent-runtime/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q install -DskipTests
./mvnw -B -q -pl e2e test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.switchboard.e2e.RuntimeBenchmark -Dexec.classpathScope=test \
  -Dswitchboard.root="$ROOT" -Dswitchboard.e2e.logs="$ROOT/e2e/target/bench-logs" "$@"
