#!/usr/bin/env bash
# Training throughput of gst-ego against PyTorch training the same network
# with the same settings on the same cores, measured in one run.
#   pipelines/bench-train.sh [--threads N] [--steps N] [--rounds N]
#       [-- ego-bench-train options, e.g. --size 64 --classes 10,8]
# Both sides train the student (default: the default student, 112x112, 8
# frames, batch 16, EPIC's 97 verbs and 300 nouns) with AdamW, gradient
# clipping and cross-entropy per head: ego-bench-train through EgoTrainer,
# including making each batch from the clip cache (candidate frames, crop,
# colour jitter); PyTorch (models/reference/bench_train_torch.py) on one
# fixed tensor, so it pays nothing for data. The two run in turns for
# several rounds and each keeps its best round. Run after ./tests/run.sh
# (or set BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
torch_python=/usr/bin/python3     # Debian's, the one with torch
threads=2
steps=8
rounds=2
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-train.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

bench=$build_dir/pipelines/ego-bench-train
if [ ! -x "$bench" ]; then
  echo "bench-train.sh: $bench is missing: run ./tests/run.sh (or set BUILD_DIR)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  echo "round $r of $rounds: gst-ego, then PyTorch" >&2
  "$bench" --threads "$threads" --steps "$steps" --warmup 2 --json \
    "${extra[@]}" > "$tmp/ego.$r.json"
  (cd models/reference && "$torch_python" bench_train_torch.py \
    --threads "$threads" --steps "$steps" --warmup 2 --json "${extra[@]}") \
    > "$tmp/torch.$r.json"
done

"$torch_python" - "$tmp" "$rounds" <<'PY'
import json
import sys

rounds = int(sys.argv[2])
egos = [json.load(open(f"{sys.argv[1]}/ego.{r}.json"))
        for r in range(1, rounds + 1)]
pts = [json.load(open(f"{sys.argv[1]}/torch.{r}.json"))
       for r in range(1, rounds + 1)]
ego = max(egos, key=lambda e: e["clips_per_second"])
pt = max(pts, key=lambda p: p["clips_per_second"])
print(f"training {ego['batch']} clips of {ego['frames']} frames at "
      f"{ego['size']}x{ego['size']} per step, {ego['threads']} threads, "
      f"{ego['params']} parameters; best of {rounds} rounds per side")
print(f"gst-ego:  {ego['ms_per_step']:8.1f} ms per step "
      f"({ego['input_ms_per_step']:.1f} making the batch), "
      f"{ego['clips_per_second']:7.2f} clips/s; rounds: "
      + ", ".join(f"{e['clips_per_second']:.2f}" for e in egos))
for name, v in pt["variants"].items():
    print(f"PyTorch {pt['torch']} {name:<20} {v['ms_per_step']:8.1f} ms per "
          f"step, {v['clips_per_second']:7.2f} clips/s")
ratio = ego["clips_per_second"] / pt["clips_per_second"]
print(f"throughput ratio gst-ego / PyTorch ({pt['fastest']}): {ratio:.2f} x "
      f"(goal >= 1.0)")
PY
