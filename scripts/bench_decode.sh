#!/usr/bin/env bash
# Wall time of one LLaMA3-8B decode layer at 420x420 (the issue's speed target), interleaved
# between one or more wafersim binaries so that the VM's drift hits them alike.
#   scripts/bench_decode.sh [-n RUNS] [-s KEY=VALUE]... [BINARY...]   (default: build/app/wafersim)
# Prints, per binary: min and median of simulation_wall_seconds, the whole process's wall time
# (min), peak RSS (max) and the simulated layer cycles (which must agree between binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
sets=()
while getopts "n:s:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) sets+=(--set "$OPTARG") ;;
    *) echo "usage: $0 [-n RUNS] [-s KEY=VALUE]... [BINARY...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(build/app/wafersim)
scenario=scenarios/compare/llama3_8b_decode_420_proxy.yaml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 0; i < runs; i++)); do
  for ((b = 0; b < ${#bins[@]}; b++)); do
    log="$out/$b.$i"
    /usr/bin/time -f "process_wall %e rss_kb %M" "${bins[$b]}" run "$scenario" "${sets[@]}" \
      --out "$out/o$b" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  done
done
for ((b = 0; b < ${#bins[@]}; b++)); do
  walls=$(cat "$out/$b".* | awk '/simulation_wall_seconds/ { print $2 }' | sort -n)
  n=$(echo "$walls" | wc -l)
  min=$(echo "$walls" | head -1)
  median=$(echo "$walls" | sed -n "$(((n + 1) / 2))p")
  process=$(cat "$out/$b".* | awk '/process_wall/ { print $2 }' | sort -n | head -1)
  rss=$(cat "$out/$b".* | awk '/process_wall/ { print $4 }' | sort -n | tail -1)
  cycles=$(cat "$out/$b".* | awk '/decode_layer_cycles_first_step/ { print $2 }' | sort -u | tr '\n' ' ')
  printf "%s: simulation %s s min, %s s median over %d runs; process %s s min; %d MB peak; cycles/layer %s\n" \
    "${bins[$b]}" "$min" "$median" "$n" "$process" $((rss / 1024)) "$cycles"
done
