#!/usr/bin/env bash
# The cost of the egoaction element against its peers, measured in one run:
#  1. its cost per result at stride 1 over the network's forward of one frame
#     (EgoNetStream push), goal <= 1.2: a result per frame costs one frame;
#  2. PyTorch re-running each T-frame window (same network, same weights)
#     over egoaction's cost per result, goal >= 5 x at T = 8, stride 1;
#  3. what egoaction adds at 1920x1080 besides the network (resize,
#     normalisation, meta, message) next to identity, goal <= 2 ms per frame
#     on one core;
#  4. peak memory (maximum resident set) of a gst-launch pipeline with the
#     default student, goal <= 64 MB.
#   pipelines/bench-element.sh [--rounds N] [--frames N] [--iterations N]
#                              [--torch-iterations N]
# Run from anywhere after the build (BUILD_DIR, default build). The sides run
# in turns for several rounds and each keeps its fastest round, so that no
# side is judged only at a moment when a neighbour loads the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

build_dir=${BUILD_DIR:-build}
torch_python=/usr/bin/python3     # Debian's, the one with torch
rounds=3
frames=300
iterations=200
torch_iterations=30
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --torch-iterations) torch_iterations=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench-element.sh: unknown argument '$1' (try --help)" >&2
       exit 2 ;;
  esac
done

case "$build_dir" in /*) ;; *) build_dir=$top/$build_dir ;; esac
bench=$build_dir/pipelines/ego-bench-element
if [ ! -x "$bench" ] || [ ! -d "$build_dir/elements" ]; then
  echo "bench-element.sh: $bench is missing: build first (or set BUILD_DIR)" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench-element.sh: /usr/bin/time is missing: apt-get install time" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# this build's plugin, and a registry of our own so that no stale one is read
export GST_PLUGIN_PATH=$build_dir/elements
export GST_REGISTRY=$tmp/registry.bin
gst-inspect-1.0 egoaction > /dev/null

model=$tmp/student.safetensors

# Maximum resident set size (kB) of a gst-launch pipeline with element $1.
peak_rss() {
  /usr/bin/time -v gst-launch-1.0 -q videotestsrc num-buffers=300 \
      ! video/x-raw,width=640,height=480 ! videoconvert ! "$@" \
      ! fakesink 2> "$tmp/time.txt" > /dev/null \
    || { cat "$tmp/time.txt" >&2; return 1; }
  sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt"
}

for r in $(seq "$rounds"); do
  echo "round $r of $rounds: egoaction and identity, PyTorch, memory" >&2
  if [ "$r" = 1 ]; then model_arg=(--save "$model"); else model_arg=(--model "$model"); fi
  if ! "$bench" "${model_arg[@]}" --rounds 1 --frames "$frames" \
      --iterations "$iterations" --json > "$tmp/ego.$r.json"; then
    echo "bench-element.sh: ego-bench-element failed" >&2
    exit 1
  fi
  if ! "$torch_python" models/reference/bench_windows_torch.py "$model" \
      --threads 1 --iterations "$torch_iterations" --json \
      > "$tmp/torch.$r.json"; then
    echo "bench-element.sh: the PyTorch side failed" >&2
    exit 1
  fi
  echo "$(peak_rss egoaction model="$model") $(peak_rss identity)" \
    > "$tmp/rss.$r"
done

default_model=no
[ -f models/default/egoaction-default.safetensors ] && default_model=yes

"$torch_python" - "$tmp" "$rounds" "$default_model" <<'EOF'
import json
import sys

tmp, rounds, shipped = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "yes"
egos = [json.load(open(f"{tmp}/ego.{r}.json")) for r in range(1, rounds + 1)]
pts = [json.load(open(f"{tmp}/torch.{r}.json"))
       for r in range(1, rounds + 1)]
rss = [[int(v) / 1024 for v in open(f"{tmp}/rss.{r}").read().split()]
       for r in range(1, rounds + 1)]
if any(p["fastest"] is None for p in pts):
    print("PyTorch: no variant ran correctly")
    sys.exit(1)


def size(e, w):
    return next(s for s in e["sizes"] if s["width"] == w)


def per_result(e):
    """egoaction's cost per result at 320x240: its pipeline's time per
    frame less the same pipeline's with identity."""
    s = size(e, 320)
    return s["egoaction"]["frame_ms"] - s["identity"]["frame_ms"]


def verdict(ok):
    return "met" if ok else "NOT met"


T = egos[0]["window_frames"]
n_frames = egos[0]["frames"]
result = min(per_result(e) for e in egos)
stream = min(e["stream_ms"] for e in egos)
pt = min((p["fastest"] for p in pts), key=lambda f: f["median_ms"])
# 1080p: the round in which egoaction ran fastest, all figures from it
hd = min((size(e, 1920) for e in egos),
         key=lambda s: s["egoaction"]["frame_ms"])
ego_hd, id_hd = hd["egoaction"], hd["identity"]
diff_hd = ego_hd["frame_ms"] - id_hd["frame_ms"]
overhead = diff_hd - ego_hd["network_ms"]
resize = min(size(e, 1920)["preprocess_ms"] for e in egos)
rss_ego = max(r[0] for r in rss)
rss_id = max(r[1] for r in rss)
check = max(abs(a - b) for e in egos for p in pts
            for h, g in zip(e["check_window_logits"], p["logits"])
            for a, b in zip(h, g))
# 320x240: the round in which egoaction ran fastest, for the details
fast = size(min(egos, key=per_result), 320)
small = fast["egoaction"]

print(f"egoaction benchmark: the default student (112x112, width 32, T = {T}, "
      f"frame step 1, heads of 10 and 8 classes) with random weights"
      + ("" if shipped else "; no trained default model ships yet")
      + ";\ntimes do not depend on the weights. One core; "
      f"{n_frames} frames per pipeline run, medians over the frames "
      f"after a warm-up, the fastest of {rounds} interleaved rounds per side.")
print(f"\n{'figure':<58} {'value':>9}  {'goal':>9}")
r1 = result / stream
print(f"{'1. cost per result at stride 1 / cost of one frame':<58} "
      f"{r1:9.2f}  {'<= 1.2':>9}  {verdict(r1 <= 1.2)}")
r2 = pt["median_ms"] / result
print(f"{'2. PyTorch re-running each window / egoaction per result':<58} "
      f"{r2:8.2f}x  {'>= 5x':>9}  {verdict(r2 >= 5.0)}")
print(f"{'3. egoaction at 1920x1080 besides the network (ms/frame)':<58} "
      f"{overhead:9.3f}  {'<= 2 ms':>9}  {verdict(overhead <= 2.0)}")
print(f"{'4. peak memory, pipeline with egoaction (MB, max RSS)':<58} "
      f"{rss_ego:9.1f}  {'<= 64 MB':>9}  {verdict(rss_ego <= 64.0)}")

print(f"\n1. at 320x240 RGB, stride 1 ({small['results']} results from "
      f"{n_frames} frames, {small['messages']} bus messages):\n"
      f"   egoaction per result {result:.3f} ms (pipeline per frame with "
      f"egoaction less with identity);\n   one frame of the network alone "
      f"(EgoNetStream push) {stream:.3f} ms; from the same buffers inside "
      f"egoaction:\n   {small['element_ms']:.3f} ms per buffer, of which the "
      f"network {small['network_ms']:.3f} ms (ratio "
      f"{small['element_ms'] / small['network_ms']:.2f}), resize and "
      f"normalise alone {fast['preprocess_ms']:.3f} ms")
print(f"2. PyTorch {pts[0]['torch']} ({pt['variant']}, one thread): "
      f"{pt['median_ms']:.3f} ms per {T}-frame window = per result;\n"
      f"   egoaction {result:.3f} ms per result; same weights: max |window "
      f"logit difference| {check:.1e}")
print(f"3. at 1920x1080 RGB, per frame: (a) pipeline with egoaction "
      f"{ego_hd['frame_ms']:.3f} ms, (b) with identity "
      f"{id_hd['frame_ms']:.3f} ms,\n   (c) difference {diff_hd:.3f} ms, of "
      f"which the network (the element's own inference time) "
      f"{ego_hd['network_ms']:.3f} ms;\n   (d) the rest, compared with the "
      f"goal: {overhead:.3f} ms. Of it, resize and normalise alone "
      f"(ego_preprocess_rgb)\n   {resize:.3f} ms; inside egoaction, per "
      f"buffer, everything but the network {ego_hd['rest_ms']:.3f} ms")
print(f"4. videotestsrc num-buffers=300 ! 640x480 ! videoconvert ! egoaction "
      f"! fakesink: {rss_ego:.1f} MB;\n   the same with identity "
      f"{rss_id:.1f} MB, so egoaction adds {rss_ego - rss_id:.1f} MB")
sys.exit(0 if check < 1e-3 else 1)
EOF
