#!/usr/bin/env bash
# A watchdog for processes a test run starts, so nothing is left behind when the test host dies without cleaning up
# (SIGKILL, a hang-blame or CI job timeout):
#   watch.sh PARENT_PID CHILD_PID       once PARENT_PID is gone: SIGTERM to CHILD_PID, SIGKILL 10 s later if it still runs
#   watch.sh PARENT_PID -- COMMAND...   once PARENT_PID is gone: runs COMMAND (e.g. tests/postgres/start.sh --stop DIR)
# Returns at once: the watch runs detached (its own session, no inherited stdin/stdout/stderr, so a caller reading this
# script's output to the end is not held) and ends by itself when CHILD_PID exits first.
set -euo pipefail

if [ "${1:-}" != --detached ]; then
  : "${1:?usage: watch.sh PARENT_PID CHILD_PID | watch.sh PARENT_PID -- COMMAND...}" "${2:?usage: watch.sh PARENT_PID CHILD_PID | watch.sh PARENT_PID -- COMMAND...}"
  setsid bash "$0" --detached "$@" </dev/null >/dev/null 2>&1 &
  exit 0
fi
shift
parent=$1; shift
child=""
if [ "$1" = -- ]; then shift; else child=$1; fi
running() { kill -0 "$1" 2>/dev/null; }

while running "$parent"; do
  if [ -n "$child" ] && ! running "$child"; then exit 0; fi
  sleep 1
done
if [ -z "$child" ]; then exec "$@"; fi
kill -TERM "$child" 2>/dev/null || exit 0
for _ in $(seq 10); do running "$child" || exit 0; sleep 1; done
kill -KILL "$child" 2>/dev/null || true
