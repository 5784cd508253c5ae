#!/bin/sh
# A service's entry point: each secret the platform reads, NAME, may come as a file named by NAME_FILE (docker
# compose's secrets); then the JVM replaces this shell (PID 1, so it gets SIGTERM and shuts down gracefully), with the
# image's start-up cache (JDK 25's AOT cache, made by `./switchboard images`) when it has one. JAVA_OPTS (the image's
# options, which the cache was made with) and JAVA_OPTS_APPEND (options of the deployment's: -XX:AOTMode=off starts
# without the cache) come after it.
set -eu
for name in SWITCHBOARD_MASTER_KEYS SWITCHBOARD_ADMIN_PASSWORD SWITCHBOARD_ADMIN_TOKEN DB_PASSWORD OPENAI_API_KEY \
    ANTHROPIC_API_KEY; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  # shellcheck disable=SC2154
  value=$(cat "$file") || { echo "cannot read ${name}_FILE ($file)" >&2; exit 2; }
  export "$name=$value"
  unset "${name}_FILE"
done
cache=
[ ! -f /app/app.aot ] || cache=-XX:AOTCache=/app/app.aot
# shellcheck disable=SC2086
exec java $cache $JAVA_OPTS ${JAVA_OPTS_APPEND:-} -jar /app/quarkus-run.jar
