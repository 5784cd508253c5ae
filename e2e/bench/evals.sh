#!/usr/bin/env bash
# eval-runner benchmark: starts the packaged platform on its own Kafka and PostgreSQL (sim at zero pace), runs a suite
# of -Dcases=100 two-turn cases (a tool trajectory, a judged answer) with ./switchboard eval, and prints cases per
# second and each process's CPU per case, beside the same conversations sent straight to the runtime's API.
#
#   e2e/bench/evals.sh [-Dcases=100] [-Dwarmups=3]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$ROOT"
[ -f services/eval-runner/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q install -DskipTests
./mvnw -B -q -pl e2e test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.switchboard.e2e.EvalBenchmark -Dexec.classpathScope=test \
  -Dswitchboard.root="$ROOT" -Dswitchboard.e2e.logs="$ROOT/e2e/target/bench-logs" "$@"
