#!/usr/bin/env bash
# Latency vs injection rate sweep (CSV + PNG). Installs python3-matplotlib if missing, builds,
# then runs scripts/sweep_latency.py with the given arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null
fi
scripts/setup.sh build
exec /usr/bin/python3 scripts/sweep_latency.py "$@"
