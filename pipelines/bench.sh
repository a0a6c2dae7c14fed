#!/usr/bin/env bash
# Speed of the network library against its peers, measured in one run:
# OpenBLAS sgemm, every convolution of the default student, and its per-frame
# forward next to the same network (same weights, from the model file
# ego-bench writes) in PyTorch.
#   pipelines/bench.sh [--threads N] [--iterations N] [--rounds N]
# Run from anywhere after ./tests/run.sh has built build/ (or set BUILD_DIR).
# Read the ratios: absolute times drift on shared machines. The two sides
# run in turns for several rounds and each keeps its fastest round, so that
# neither is judged only at a moment when a neighbour loads the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
torch_python=/usr/bin/python3     # Debian's, the one with torch
threads=1
iterations=100
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

bench=$build_dir/pipelines/ego-bench
if [ ! -x "$bench" ]; then
  echo "bench.sh: $bench is missing: run ./tests/run.sh (or set BUILD_DIR)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

model=$tmp/model.safetensors
for r in $(seq "$rounds"); do
  echo "round $r of $rounds: ego-bench, then PyTorch" >&2
  if ! "$bench" --threads "$threads" --iterations "$iterations" \
      --save "$model" --json > "$tmp/ego.$r.json"; then
    echo "bench.sh: ego-bench failed" >&2
    exit 1
  fi
  if ! "$torch_python" models/reference/bench_torch.py "$model" \
      --threads "$threads" --iterations "$iterations" --json \
      > "$tmp/torch.$r.json"; then
    echo "bench.sh: the PyTorch side failed" >&2
    exit 1
  fi
done

"$torch_python" - "$tmp" "$rounds" <<'EOF'
import json
import sys

rounds = int(sys.argv[2])
egos = [json.load(open(f"{sys.argv[1]}/ego.{r}.json"))
        for r in range(1, rounds + 1)]
pts = [json.load(open(f"{sys.argv[1]}/torch.{r}.json"))
       for r in range(1, rounds + 1)]
if any(p["fastest"] is None for p in pts):
    print("PyTorch: no variant ran correctly")
    sys.exit(1)
ego_ms = [e["forward"]["stream"]["median_ms"] for e in egos]
pt_ms = [p["fastest"]["median_ms"] for p in pts]
ego = egos[ego_ms.index(min(ego_ms))]
pt = pts[pt_ms.index(min(pt_ms))]
sgemm = ego["sgemm"]
print(f"threads: {ego['threads']}, median of {ego['iterations']} runs, "
      f"the fastest of {rounds} rounds per side")
print(f"OpenBLAS sgemm ({sgemm['openblas_core']} kernels): "
      f"{sgemm['typical']['gflops']:.1f} GFLOP/s at "
      f"{sgemm['typical_m']}x{sgemm['typical_n']}x{sgemm['typical_k']}, "
      f"{sgemm['square']['gflops']:.1f} at {sgemm['square_n']}^3; "
      f"reference {sgemm['gflops']:.1f} GFLOP/s")
print("\nconvolutions (batch 1) vs sgemm, goal >= 0.70:")
print(f"  {'layer':<18} {'n':>2} {'in->out':>9} {'k/s':>4} {'out':>6} "
      f"{'us':>7} {'GFLOP/s':>8} {'/sgemm':>7} {'/same-shape sgemm':>18}")
for c in ego["convs"]:
    print(f"  {c['name']:<18} {c['count']:>2} "
          f"{str(c['in_c']) + '->' + str(c['out_c']):>9} "
          f"{str(c['k']) + '/' + str(c['stride']):>4} "
          f"{str(c['out_h']) + 'x' + str(c['out_w']):>6} "
          f"{c['conv']['median_ms'] * 1e3:7.1f} {c['conv']['gflops']:8.1f} "
          f"{c['vs_sgemm']:7.2f} {c['vs_same_shape']:18.2f}")
fwd = ego["forward"]
conv_rate = fwd["gflop_per_frame"] / fwd["conv_ms"] * 1e3
print(f"  all convolutions: {fwd['conv_ms']:.3f} ms/frame, "
      f"{conv_rate:.1f} GFLOP/s, {conv_rate / sgemm['gflops']:.2f} of sgemm")

print(f"\nPyTorch {pt['torch']} variants (median ms per frame):")
for v in pt["variants"]:
    if "error" in v:
        print(f"  {v['variant']:<46} failed: {v['error']}")
    else:
        bad = "" if v["ok"] else "  (wrong logits, ignored)"
        print(f"  {v['variant']:<46} {v['median_ms']:7.3f}{bad}")

diff = max(abs(a - b) for h, g in zip(ego["check_logits"], pt["logits"])
           for a, b in zip(h, g))
ours = fwd["stream"]["median_ms"]
best = pt["fastest"]
print(f"\nsame weights: max |logit difference| ego vs PyTorch {diff:.1e}")
print("per-frame medians of the rounds (ms): ego "
      + ", ".join(f"{t:.3f}" for t in ego_ms) + "; PyTorch "
      + ", ".join(f"{t:.3f}" for t in pt_ms))
print(f"ego per-frame forward: {ours:.3f} ms "
      f"({fwd['stream']['gflops']:.1f} GFLOP/s, {fwd['vs_sgemm']:.2f} of "
      f"sgemm; convolutions {fwd['conv_ms']:.3f} ms, other layers "
      f"{fwd['other_ms']:.3f} ms)")
print(f"ego per-frame forward: {ours:.3f} ms, PyTorch: "
      f"{best['median_ms']:.3f} ms ({best['variant']}), "
      f"speed ratio (PyTorch time / ego time): "
      f"{best['median_ms'] / ours:.2f} x  (goal >= 1.0; best single runs: "
      f"{best['best_ms'] / fwd['stream']['best_ms']:.2f} x)")
sys.exit(0 if diff < 1e-3 else 1)
EOF
