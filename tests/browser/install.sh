#!/usr/bin/env bash
# Installs what the browser tests (tests/FhirPortal.Auth.Tests/Browser) need beyond the .NET SDK: Debian's
# Chromium (driven by Microsoft.Playwright with the system executable; Playwright's own browsers are never
# downloaded) and the npm packages pinned in package-lock.json here (the SMART client under test). Called by test.sh.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "install.sh: need root (or sudo) to run: $*" >&2; return 1
  fi
}

if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
