#!/usr/bin/env bash
# Pictures of a run from its outputs (heatmaps, timeline); see scripts/plot_run.py.
exec "$(dirname "$0")/pyrun.sh" "$(dirname "$0")/plot_run.py" "$@"
