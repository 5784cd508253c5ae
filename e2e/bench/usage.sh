#!/usr/bin/env bash
# Dashboards over months: starts the packaged platform on its own Kafka and PostgreSQL, writes -Dcalls=1000000 model
# calls over 90 days into the ledger, and prints how long the dashboards' series take read from the calls (as before
# rollups) and from the hourly rollups, side by side.
#
#   e2e/bench/usage.sh [-Dcalls=1000000] [-Drepeats=5]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$ROOT"
[ -f services/llm-gateway/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q install -DskipTests
./mvnw -B -q -pl e2e test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.switchboard.e2e.UsageBenchmark -Dexec.classpathScope=test \
  -Dswitchboard.root="$ROOT" -Dswitchboard.e2e.logs="$ROOT/e2e/target/bench-logs" "$@"
