#!/usr/bin/env bash
# Runs one of the report scripts with Debian's python3: installs python3-matplotlib if missing,
# builds wafersim, then runs the script with the given arguments.
# Usage: scripts/pyrun.sh scripts/SCRIPT.py [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null
fi
scripts/setup.sh build >/dev/null
exec /usr/bin/python3 "$@"
