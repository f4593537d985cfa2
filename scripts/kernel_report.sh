#!/usr/bin/env bash
# Kernel latency vs grid size report (Markdown, CSV, PNG); see scripts/kernel_report.py.
exec "$(dirname "$0")/pyrun.sh" "$(dirname "$0")/kernel_report.py" "$@"
