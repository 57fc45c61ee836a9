#!/usr/bin/env bash
# The whole test suite: the README's test command, and what .ci/run calls.
# Anything a test needs beyond the .NET SDK is installed from here, never by hand.
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Browser tests: Debian chromium and tests/browser's npm packages. Outside CI a failed install only warns (those
# tests then say they were skipped); in CI it fails the run.
tests/browser/install.sh || { [ "${CI:-}" = true ] && exit 1; echo "warning: browser test tools not installed" >&2; }
# Cosmos store tests: Node.js and the emulator's npm packages (same rule: required in CI, a warning elsewhere).
cosmos=true
tests/cosmos-emulator/install.sh || { [ "${CI:-}" = true ] && exit 1; echo "warning: Cosmos emulator not installed" >&2; cosmos=false; }
# Account database on PostgreSQL: Debian's postgresql (apt-get only when missing, and only in CI or with
# POSTGRES_INSTALL=true); the tests start their own cluster with tests/postgres/start.sh. Same rule.
tests/postgres/start.sh --install || { [ "${CI:-}" = true ] && exit 1; echo "warning: PostgreSQL not installed" >&2; }
# The scale-out test (tests/FhirPortal.ScaleOut.Tests: two instances on the emulator and PostgreSQL behind a TLS proxy):
# Debian's nginx, same rule (apt-get only when missing, and only in CI or with NGINX_INSTALL=true).
tests/scaleout/nginx.sh --install || { [ "${CI:-}" = true ] && exit 1; echo "warning: nginx not installed" >&2; }

set +e
dotnet test FhirPortal.sln 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Every Server search test a second time on the Cosmos store (FhirPortalHost on the emulator, see TestStore.cs),
# the racing bookings (Slot and Appointments in different partitions there: the store's transaction decides), the
# racing refill requests (one open refill Task per prescription, decided by the commit-time condition), the racing
# payment webhooks (one PaymentReconciliation per payment however often it is reported), subscription events (staged in
# the same commit as the change that triggers them) and share links (kept in the store's job records).
if [ "$cosmos" = true ]; then
  FHIRPORTAL_TEST_STORE=Cosmos dotnet test tests/FhirPortal.Server.Tests --no-build \
    --filter "FullyQualifiedName~FhirPortal.Server.Tests.Search|FullyQualifiedName~FhirPortal.Server.Tests.Scheduling.BookingRaceTests|FullyQualifiedName~FhirPortal.Server.Tests.Refills.RefillRaceTests|FullyQualifiedName~FhirPortal.Server.Tests.Billing.PaymentTests|FullyQualifiedName~FhirPortal.Server.Tests.Subscriptions|FullyQualifiedName~FhirPortal.Server.Tests.Sharing" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
set -e

# One closing line over all test assemblies, in the plain 'N passed, N failed' form.
awk '
  /(Passed|Failed|Skipped)! +- +Failed:/ {
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") failed += $(i + 1);
      if ($i == "Passed:") passed += $(i + 1);
      if ($i == "Skipped:") skipped += $(i + 1);
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
