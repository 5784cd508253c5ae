#!/bin/sh
# A service's entry point: every variable NAME_FILE (a secret mounted as a file, as docker compose does) becomes NAME
# with the file's content; then the JVM replaces this shell (PID 1, so it gets SIGTERM and shuts down gracefully).
set -eu
for name in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  eval "file=\$${name}_FILE"
  # shellcheck disable=SC2154
  value=$(cat "$file") || { echo "cannot read ${name}_FILE ($file)" >&2; exit 2; }
  export "$name=$value"
  unset "${name}_FILE"
done
# shellcheck disable=SC2086
exec java $JAVA_OPTS -jar /app/quarkus-run.jar
