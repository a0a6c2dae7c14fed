#!/usr/bin/env bash
# The accuracy and cost of egoflow's optical flow (models/flow.c) against
# OpenCV's Farneback and DIS, on the same egosynthsrc frames, in one run:
# mean end-point error (EPE, px) against egosynthsrc's true motion field,
# and CPU ms per frame pair on one thread (cv2.setNumThreads(1)).
# Goals: EPE no worse than Farneback's; faster than real time (33.3 ms per
# frame at 30 fps) at 128x128.
#   pipelines/bench-flow.sh [--pairs N] [--rounds N] [--seed S]
# Run from anywhere after the build (BUILD_DIR, default build). Scenes:
# 128x128 with egosynthsrc's defaults and with head-motion=1 (a shakier
# head), and 320x240 with the defaults; each has N frame pairs (default 150,
# five seconds: it takes in a fast head turn). Times are CPU time of the
# computing thread, the fastest of the rounds, so that load from neighbours
# on a shared machine counts as little as possible.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

build_dir=${BUILD_DIR:-build}
python=/usr/bin/python3           # Debian's, the one with python3-opencv
pairs=150
rounds=2
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-flow.sh: unknown argument '$1' (try --help)" >&2
       exit 2 ;;
  esac
done

case "$build_dir" in /*) ;; *) build_dir=$top/$build_dir ;; esac
bench=$build_dir/pipelines/ego-bench-flow
if [ ! -x "$bench" ] || [ ! -d "$build_dir/elements" ]; then
  echo "bench-flow.sh: $bench is missing: build first (or set BUILD_DIR)" >&2
  exit 1
fi
if ! "$python" -c 'import cv2' 2> /dev/null; then
  echo "bench-flow.sh: OpenCV for $python is missing:" \
    "sudo apt-get install -y python3-opencv" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# this build's plugin, and a registry of our own so that no stale one is read
export GST_PLUGIN_PATH=$build_dir/elements
export GST_REGISTRY=$tmp/registry.bin
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

scenes=("128 128 default" "128 128 head-motion=1" "320 240 default")
for i in "${!scenes[@]}"; do
  read -r w h synth <<< "${scenes[$i]}"
  props=""
  [ "$synth" = default ] || props=$synth
  echo "scene $((i + 1)) of ${#scenes[@]}: ${w}x${h} $synth" >&2
  "$bench" --out "$tmp/$i" --width "$w" --height "$h" --pairs "$pairs" \
    --seed "$seed" --synth "$props" --rounds "$rounds" > /dev/null
  "$python" models/reference/bench_flow_cv.py "$tmp/$i" --threads 1 \
    --rounds "$rounds" > "$tmp/$i/cv.json"
  echo "$synth" > "$tmp/$i/scene"
done

"$python" - "$tmp" "${#scenes[@]}" <<'EOF'
import json
import sys

tmp, n = sys.argv[1], int(sys.argv[2])
print("optical flow on egosynthsrc frames: mean end-point error (px) against "
      "the true motion,\nCPU ms per frame pair on one thread (fastest round)")
print(f"\n{'scene':<24} {'method':<14} {'EPE':>7} {'ms':>8}")
ok = True
for i in range(n):
    ego = json.load(open(f"{tmp}/{i}/egoflow.json"))
    cv = json.load(open(f"{tmp}/{i}/cv.json"))
    scene = (f"{ego['width']}x{ego['height']} "
             + open(f"{tmp}/{i}/scene").read().strip())
    rows = [("egoflow", ego["epe"], ego["ms"])]
    rows += [(m, cv[m]["epe"], cv[m]["ms"])
             for m in ("farneback", "dis-medium", "dis-fast")]
    rows.append(("no motion", cv["zero-flow"]["epe"], None))
    for name, epe, ms in rows:
        t = f"{ms:8.2f}" if ms is not None else f"{'':>8}"
        print(f"{scene:<24} {name:<14} {epe:7.3f} {t}")
        scene = ""
    better = ego["epe"] <= cv["farneback"]["epe"]
    ok &= better
    line = (f"  egoflow EPE / Farneback's: {ego['epe'] / cv['farneback']['epe']:.2f}"
            f" ({'met' if better else 'NOT met'})")
    if ego["width"] == 128 and ego["height"] == 128:
        rt = ego["ms"] < 1000.0 / 30
        ok &= rt
        line += (f"; {1000.0 / ego['ms']:.0f} frames/s, real time (30 fps) "
                 f"{'met' if rt else 'NOT met'}")
    print(line)
print(f"\nOpenCV {cv['opencv']}: Farneback with its documented example "
      "settings (0.5, 3, 15, 3, 5, 1.2),\nDIS with its medium and fast "
      f"presets; {ego['pairs']} frame pairs per scene, egosynthsrc seed "
      "as given.")
sys.exit(0 if ok else 1)
EOF
