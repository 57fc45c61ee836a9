#!/usr/bin/env bash
# A throwaway PostgreSQL for the account-database tests (Debian's packages, nothing else):
#   start.sh --install     make sure PostgreSQL is installed: apt-get install -y postgresql, only when it is missing
#                          and CI=true or POSTGRES_INSTALL=true (exit 2 otherwise); what ./test.sh runs
#   start.sh DIR PORT [PARENT_PID]
#                          a cluster in DIR (initdb on first use, trust auth, user fhirportal), started on 127.0.0.1:PORT
#                          unless it already runs; prints an Npgsql connection string to its "postgres" database last.
#                          With PARENT_PID (the test host's), tests/watch.sh stops the cluster once that process is gone,
#                          so a killed test run does not leave PostgreSQL behind.
#   start.sh --stop DIR    stops it (tests do this; the folder is theirs to delete)
# Idempotent: every step checks first. initdb and postgres refuse to run as root, so as root they run as "postgres".
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install() {
  [ -n "$(find_bin)" ] && return 0
  if [ "${CI:-}" = true ] || [ "${POSTGRES_INSTALL:-}" = true ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
    [ -n "$(find_bin)" ] && return 0
  fi
  echo "PostgreSQL is not installed (CI=true or POSTGRES_INSTALL=true lets tests/postgres/start.sh apt-get install it)" >&2
  return 2
}

case "${1:-}" in
  --install) install; exit ;;
  --stop)
    bin=$(find_bin)
    [ -f "$2/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$2/data" -m immediate -w stop >&2
    exit 0 ;;
esac

dir=${1:?usage: start.sh DIR PORT [PARENT_PID]}; port=${2:?usage: start.sh DIR PORT [PARENT_PID]}; parent=${3:-}
install
bin=$(find_bin)
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U fhirportal -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  # Unix sockets in DIR, TCP on loopback only; fsync off: a test database is thrown away anyway.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
fi
if [ -n "$parent" ]; then
  here=$(cd "$(dirname "$0")" && pwd)
  "$here/../watch.sh" "$parent" -- "$here/start.sh" --stop "$(cd "$dir" && pwd)"
fi
# Line 4 of postmaster.pid is the port the running server listens on (it may have been started earlier).
port=$(sed -n 4p "$dir/data/postmaster.pid")
echo "Host=127.0.0.1;Port=$port;Username=fhirportal;Database=postgres"
