#!/usr/bin/env bash
# Latency vs injection rate sweep (CSV + PNG); see scripts/sweep_latency.py.
exec "$(dirname "$0")/pyrun.sh" "$(dirname "$0")/sweep_latency.py" "$@"
