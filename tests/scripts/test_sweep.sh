#!/usr/bin/env bash
# scripts/sweep.py end to end: a local sweep with a failing point, and the Slurm path (the
# sbatch file, array tasks emulated by setting SLURM_ARRAY_TASK_ID, then the merge).
# Usage: test_sweep.sh WAFERSIM_EXE SOURCE_DIR
set -euo pipefail
exe="$1"; src="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
scenario="$src/scenarios/regression/gemv_meshgemv_8x8_stream.yaml"
fail() { echo "test_sweep: $*" >&2; exit 1; }

# Local: 3 x 2 points, groups=3 does not divide 8: two failed rows, the others complete.
if /usr/bin/python3 "$src/scripts/sweep.py" "$scenario" --exe "$exe" --out "$tmp/local" -j 2 \
     --grid workload.groups=1,3,4 --grid run.fidelity=wavelet,stream > "$tmp/local.log" 2>&1; then
  fail "a sweep with failed points must exit non-zero"
fi
csv="$tmp/local/results.csv"
[ "$(wc -l < "$csv")" -eq 7 ] || fail "expected 6 rows plus a header in $csv"
[ "$(grep -c ',ok,' "$csv")" -eq 4 ] || fail "expected 4 ok rows"
[ "$(grep -c ',failed,' "$csv")" -eq 2 ] || fail "expected 2 failed rows"
grep -q 'groups do not divide' "$csv" || fail "the failed rows must carry the error"
head -1 "$csv" | grep -q '^point,workload.groups,run.fidelity,status,error,kernel_cycles_max' || fail "header"

# Slurm: plan, run the array tasks as Slurm would (one process per index), merge.
/usr/bin/python3 "$src/scripts/sweep.py" "$scenario" --exe "$exe" --out "$tmp/slurm" --slurm \
  --grid workload.groups=2,4 --sbatch-option=--time=00:10:00 > /dev/null
grep -q '^#SBATCH --array=0-1$' "$tmp/slurm/sweep.sbatch" || fail "array range"
grep -q '^#SBATCH --time=00:10:00$' "$tmp/slurm/sweep.sbatch" || fail "sbatch option"
for i in 0 1; do
  SLURM_ARRAY_TASK_ID=$i /usr/bin/python3 "$src/scripts/sweep.py" --out "$tmp/slurm" > /dev/null
done
/usr/bin/python3 "$src/scripts/sweep.py" --merge "$tmp/slurm" > /dev/null || fail "merge after all tasks"
[ "$(grep -c ',ok,' "$tmp/slurm/results.csv")" -eq 2 ] || fail "slurm rows"
echo "test_sweep: ok"
