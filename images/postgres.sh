#!/bin/sh
# PostgreSQL's entry point: makes the cluster the first time (its owner $POSTGRES_USER with the password in
# $POSTGRES_PASSWORD_FILE or $POSTGRES_PASSWORD, and the database $POSTGRES_DB), then runs the server (PID 1), taking
# $POSTGRES_MAX_CONNECTIONS connections (100).
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password=$(cat "${POSTGRES_PASSWORD_FILE:-/nonexistent}" 2>/dev/null || printf '%s' "${POSTGRES_PASSWORD:-}")
  [ -n "$password" ] || { echo "set POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD" >&2; exit 2; }
  umask 077
  printf '%s\n' "$password" > /tmp/password
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/password -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256
  rm -f /tmp/password
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" | postgres --single -D "$PGDATA" postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c shared_buffers=32MB -c max_connections="${POSTGRES_MAX_CONNECTIONS:-100}"
