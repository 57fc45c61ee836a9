#!/usr/bin/env bash
# Installs what the Cosmos store tests (tests/FhirPortal.Storage.Tests) need beyond the .NET SDK: Node.js >= 20
# (Debian's package when missing or too old) and the npm packages pinned in package-lock.json here
# (@vercel/cosmosdb-server, wrapped by server.js). Called by test.sh.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "install.sh: need root (or sudo) to run: $*" >&2; return 1
  fi
}

node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 20 ] || ! command -v npm >/dev/null 2>&1; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ "$(node_major)" -lt 20 ]; then
  echo "install.sh: Node.js >= 20 is required for the Cosmos emulator, found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
