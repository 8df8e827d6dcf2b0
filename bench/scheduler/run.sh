#!/usr/bin/env bash
# Scheduler benchmarks recorded in docs/benchmarks.md ("## Scheduler").
# Usage: bench/scheduler/run.sh [OUT_DIR]   (from the workspace root, after
#        cargo build --release -p podium). Needs python3 and ../shared/scheduling.
# Instances come from gen.py with seed 11, which the engine was never tuned on.
set -euo pipefail
OUT=${1:-/tmp/podium-bench}
SHARED=${SHARED:-../shared/scheduling}
PODIUM=${PODIUM:-target/release/podium}
mkdir -p "$OUT"
for shape in tiny pycon europython fosdem; do
  python3 "$SHARED/gen.py" "$shape" 11 > "$OUT/$shape-11.json"
done

run() { # name instance time-limit seed [extra args...]
  local name=$1 inst=$2 tl=$3 seed=$4; shift 4
  /usr/bin/time -v "$PODIUM" schedule "$OUT/$inst.json" --time-limit "$tl" --seed "$seed" \
    -o "$OUT/$name.json" "$@" > "$OUT/$name.txt" 2> "$OUT/$name.err"
  python3 "$SHARED/validate.py" "$OUT/$inst.json" "$OUT/$name.json" --quiet > "$OUT/$name.valid" \
    && valid=ok || valid=FAIL
  local rss
  rss=$(grep "Maximum resident" "$OUT/$name.err" | awk '{print $6}')
  python3 - "$OUT/$name.json" "$name" "$valid" "$rss" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m, v = s["metrics"], s["solver"]
print(f"{sys.argv[2]:<22} validate={sys.argv[3]:<4} unsched={m['unscheduled']} missed={m['missed']} "
      f"topic_mix={m['topic_mix']} overflow={m['overflow']} objective={m['objective']} "
      f"bound={v['lower_bound']} proven={v['proven_optimal']} seconds={v['seconds']} "
      f"iterations={v['iterations']} moved={len(v.get('moved', []))} maxrss_kb={sys.argv[4]}")
PY
}

run tiny-1s        tiny-11       1   1
run pycon-1s       pycon-11      1   1
run pycon-5s-a     pycon-11      5   1
run pycon-5s-b     pycon-11      5   2
run pycon-long     pycon-11      120 3
run europython-20s-a europython-11 20 1
run europython-20s-b europython-11 20 2
run europython-long  europython-11 120 3
run fosdem-60s     fosdem-11     60  1
# Keep mode: one speaker becomes unavailable during their talk.
python3 bench/scheduler/perturb.py "$OUT/pycon-11.json" "$OUT/pycon-5s-a.json" speaker 5 \
  > "$OUT/pycon-11-speaker.json"
run pycon-keep     pycon-11-speaker 1.5 1 --keep "$OUT/pycon-5s-a.json"
