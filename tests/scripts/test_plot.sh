#!/usr/bin/env bash
# scripts/plot_run.py on an LLM run and a kernel run: every picture is written and is a PNG.
# Usage: test_plot.sh WAFERSIM_EXE SOURCE_DIR
set -euo pipefail
exe="$1"; src="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_plot: $*" >&2; exit 1; }
"$exe" run "$src/scenarios/regression/llm_tiny_decode.yaml" --out "$tmp/llm" > /dev/null
/usr/bin/python3 "$src/scripts/plot_run.py" "$tmp/llm" > /dev/null
for f in link_utilisation pe_busy sram_occupancy kv_occupancy timeline prefill_link_utilisation prefill_pe_busy; do
  head -c 8 "$tmp/llm/pictures/$f.png" | grep -q PNG || fail "$f.png missing or not a PNG"
done
"$exe" run "$src/scenarios/regression/gemm_summa_4x4_stream.yaml" --out "$tmp/gemm" > /dev/null
/usr/bin/python3 "$src/scripts/plot_run.py" "$tmp/gemm" > /dev/null
for f in link_utilisation pe_busy sram_occupancy; do
  head -c 8 "$tmp/gemm/pictures/$f.png" | grep -q PNG || fail "gemm $f.png"
done
[ ! -e "$tmp/gemm/pictures/timeline.png" ] || fail "a kernel run has no timeline"
echo "test_plot: ok"
