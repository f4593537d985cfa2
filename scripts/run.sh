#!/usr/bin/env bash
# Sets up (packages, build) and runs the main job on the bundled default scenario.
# Usage: scripts/run.sh [SCENARIO] [wafersim run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
scenario="${1:-scenarios/llama3_8b_decode.yaml}"
shift || true
exec build/app/wafersim run "$scenario" "$@"
