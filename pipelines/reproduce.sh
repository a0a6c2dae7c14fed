#!/usr/bin/env bash
# The paper's findings on the synthetic benchmark, in one command:
#   pipelines/reproduce.sh [--quick] [--out DIR] [--seeds "1 2 3"] [--threads N]
#                          [--records DIR]
#
# Renders the benchmark, holds out a tenth of the training clips, and for
# each seed trains one teacher per modality on the rest (a wider
# bidirectional RGB network, a flow network on egoflow's frames, an audio
# network on log-mel windows, the layout transformer on the detections),
# fuses their logits with each weighting scheme, distils the RGB student
# from the fused teacher, and trains the same student on labels alone, from
# RGB and from RGB with optical flow. Evaluates everything on the test split
# with 1x1 views (the students and the RGB, flow and audio teachers with 2x3
# too), and how well each teacher and a one-frame RGB
# probe tell take from put (the reversed pairs), and writes results.json
# and results.md (build/pipelines/ego-results).
# --quick does the same with a small dataset and tiny networks (minutes).
# Every step's output is kept in DIR (reproduce/ or reproduce-quick/); a
# step whose output exists is not run again, and a training that was cut
# short continues from its checkpoint (the layout teacher's, two minutes,
# starts again), so an interrupted run resumes; a
# finished training of another number of epochs than asked for stops the
# run (move its folder aside to redo it).
# --threads N: threads of ego-train and ego-eval (0, the default: one per
# core; the layout network trains on one). Seeds are independent: on a
# machine of N cores, N runs of one seed each (--seeds S --threads 1, the
# same --out) finish sooner than one run of all, and a last run with every
# seed skips their steps and writes results.
# --records DIR: keeps the run's records in DIR (every step's evaluations,
# logits, weights and training history: everything but the benchmark and
# the models, a few MB) and starts from the records already there: a step
# whose records are all there is done, with or without its model. A run on
# another machine continues from them; the benchmark is rendered again and
# checked against the checksums the records hold.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

quick=0
out=""
seeds="1 2 3"
threads=0
records=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --threads) threads=$2; shift ;;
    --records) records=$2; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "reproduce.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  out=${out:-reproduce-quick}
  clips=240; videos=12; frame=64; fps=15
  size=32; width=8; epochs=8; t_width=16; t_epochs=8; rgb_epochs=8
  layout_epochs=15; batch=8; lr=0.002
else
  out=${out:-reproduce}
  clips=3000; videos=99; frame=128; fps=30
  # the wider RGB teacher still fits nouns at 30 epochs (74% on the
  # held-out clips, 85% on its own): it gets twice as many. So do the
  # students (and the RGB+flow baseline and the one-frame probe, the same
  # network): 60 epochs against 30 gave +7.7 action top-1 on the validation
  # split on labels, +9.2 distilled (pipelines/doc/distillation-tuning.md)
  size=64; width=16; epochs=60; t_width=24; t_epochs=30; rgb_epochs=60
  layout_epochs=40; batch=16; lr=0.004
fi
data_seed=2024
schemes="uniform per-sample full-dataset"

# a folder, locked while a step writes it: a second run started beside this
# one (see --threads) stops, or with wait waits, instead of writing the same
# files (flock(1), util-linux)
claim() {                     # dir [wait]
  mkdir -p "$1"
  exec {lock_fd}<"$1"
  if [ "${2:-}" = wait ]; then
    flock "$lock_fd"
    return 0
  fi
  flock -n "$lock_fd" && return 0
  echo "reproduce.sh: another run is training $1; give each run its own" \
    "--seeds" >&2
  exit 1
}
release() { exec {lock_fd}<&-; }

build=${EGO_BUILD_DIR:-$top/build}
claim "$build" wait           # runs started together install and build once
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
ego_install_deps
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
release
export GST_PLUGIN_PATH="$build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
bin=$build/pipelines
ego_eval=("$bin/ego-eval" --threads "$threads")
mkdir -p "$out"
data=$out/data
log() { printf '\n== %s\n' "$*"; }
done_file() { [ -s "$1" ]; }

# a finished step in $1: its model, or, when the model is not here (a run
# continued from --records), every one of its record files $3...; in both
# cases trained the $2 epochs asked for now, so that one trained with other
# settings is not mixed into the results silently
trained() {                   # dir epochs [record files]
  local got f
  if ! done_file "$1/model.safetensors"; then
    [ $# -gt 2 ] || return 1
    for f in "${@:3}"; do done_file "$1/$f" || return 1; done
  fi
  if [ ! -s "$1/history.json" ]; then
    echo "reproduce.sh: $1 holds a finished training but no history.json" \
      "to tell how it was trained: move that folder aside to train it" \
      "again" >&2
    exit 1
  fi
  got=$(grep -o '"epoch":' "$1/history.json" | wc -l || true)
  [ "$got" -eq "$2" ] && return 0
  echo "reproduce.sh: $1 holds a model trained $got epochs, and this run" \
    "trains $2: move that folder aside to train it again" >&2
  exit 1
}

# --records: a finished step's files, all but its model and checkpoint,
# copied into the records (each through a temporary name, so that a copy
# cut short is not taken for a record)
record() {                    # dir
  [ -n "$records" ] || return 0
  local dir=$1 rel=. f
  [ "$dir" = "$out" ] || rel=${dir#"$out"/}
  mkdir -p "$records/$rel"
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    case $f in
      *.safetensors|*.png|*.html|*/logits.jsonl|*/manifest.tsv*|*.tmp|*.$$)
        continue ;;
    esac
    cmp -s "$f" "$records/$rel/${f##*/}" && continue
    cp "$f" "$records/$rel/${f##*/}.$$"
    mv "$records/$rel/${f##*/}.$$" "$records/$rel/${f##*/}"
  done
}

# the benchmark as the records know it: the annotations' and detections'
# checksums and each video's size (an mp4 file holds the time it was
# written, so its bytes differ from one rendering to the next)
benchmark_sums() {
  (cd "$data" &&
    find annotations detections -type f ! -name 'teach.csv*' \
      ! -name 'heldout.csv*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum &&
    find videos -type f -printf '%s  %p\n' | LC_ALL=C sort -k2)
}
check_benchmark() {
  local sums=$records/benchmark.sha256
  [ -n "$records" ] || return 0
  if [ ! -s "$sums" ]; then
    mkdir -p "$records"
    benchmark_sums > "$sums.$$"
    mv "$sums.$$" "$sums"
  elif ! benchmark_sums | cmp -s - "$sums"; then
    echo "reproduce.sh: the benchmark rendered in $data differs from the" \
      "one $records was made with ($sums): the records cannot be used" \
      "with it" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------------------
log "benchmark: $clips clips at ${frame}x$frame, seed $data_seed"
claim "$out" wait             # runs started together render it once
if ! done_file "$data/annotations/test.csv"; then
  # a split made from the annotations of an earlier render goes with them
  rm -f "$data/annotations/teach.csv" "$data/annotations/heldout.csv"
  "$bin/ego-dataset" --out "$data" --clips "$clips" --videos "$videos" \
    --seed "$data_seed" --width "$frame" --height "$frame" --fps "$fps"
fi
# teach.csv: what the teachers learn from; heldout.csv: every tenth training
# clip, unseen by the teachers, for the full-dataset weights
if ! done_file "$data/annotations/heldout.csv"; then
  ann=$data/annotations
  awk -v a="$ann/teach.csv.tmp" -v b="$ann/heldout.csv.tmp" \
    'NR == 1 { print > a; print > b; next }
     { if ((NR - 2) % 10 == 9) print > b; else print > a }' \
    "$ann/train.csv"
  mv "$ann/teach.csv.tmp" "$ann/teach.csv"
  mv "$ann/heldout.csv.tmp" "$ann/heldout.csv"
fi
check_benchmark
# the records' steps, once they are known to be of this benchmark (what is
# here already is kept)
if [ -n "$records" ] && [ -d "$records" ]; then
  cp -R -n "$records/." "$out/"
fi
release

common=(--data "$data" --size "$size" --batch "$batch" --lr "$lr" --threads "$threads")

# ego-train into $1, continuing from its last checkpoint when a run was
# interrupted (the result is the same as an uninterrupted run's)
train() {
  local dir=$1
  shift
  claim "$dir"
  if done_file "$dir/model.safetensors"; then
    release                   # a run beside this one finished it meanwhile
    return 0
  fi
  if [ -s "$dir/checkpoint.safetensors" ]; then
    "$bin/ego-train" --out "$dir" --resume "$@"
  else
    "$bin/ego-train" --out "$dir" "$@"
  fi
  release
}

# the benchmark's verbs that are each other's time reversal: how often a
# model tells the direction within them shows what its input can see
pairs=take/put,open/close,move-left/move-right,rotate-cw/rotate-ccw

# ---------------------------------------------------------------------------
# teachers: trained on teach, evaluated on test, logits on train and test
teacher_logits() {            # dir
  local dir=$1 split tool
  case $dir in
    */teacher-layout-s*) tool=("$bin/ego-layout" eval) ;;
    *) tool=("${ego_eval[@]}") ;;
  esac
  for split in train test; do
    done_file "$dir/logits-$split.jsonl" && continue
    "${tool[@]}" --model "$dir/model.safetensors" --data "$data" \
      --split "$split" --logits "$dir/logits-$split.jsonl" --json \
      --reversed-pairs "$pairs" --noun-by-verb > "$dir/eval-$split-1x1.json"
  done
  cat "$dir/logits-train.jsonl" "$dir/logits-test.jsonl" > "$dir/logits.jsonl"
  grep -q '"noun_by_verb"' "$dir/eval-test-1x1.json" ||
    "${tool[@]}" --model "$dir/model.safetensors" --data "$data" \
      --split test --json --reversed-pairs "$pairs" --noun-by-verb \
      > "$dir/eval-test-1x1.json"
  if [ "${tool[0]}" = "$bin/ego-eval" ] && ! done_file "$dir/eval-test-2x3.json"; then
    "${ego_eval[@]}" --model "$dir/model.safetensors" --data "$data" \
      --split test --views 2x3 --json > "$dir/eval-test-2x3.json"
  fi
}

train_teacher() {             # name seed epochs [ego-train options]
  local name=$1 seed=$2 n_epochs=$3 dir=$out/teacher-$1-s$2
  shift 3
  log "teacher $name, seed $seed"
  local kept=(logits-train.jsonl logits-test.jsonl eval-test-1x1.json)
  [ "$name" = layout ] || kept+=(eval-test-2x3.json)
  if ! trained "$dir" "$n_epochs" "${kept[@]}"; then
    if [ "$name" = layout ]; then
      claim "$dir"
      # a run beside this one may have finished it meanwhile
      done_file "$dir/model.safetensors" ||
        "$bin/ego-layout" train --data "$data" --out "$dir" --split teach \
          --validation-split heldout --epochs "$n_epochs" --seed "$seed"
      release
    else
      train "$dir" "${common[@]}" --split teach \
        --validation-split heldout --epochs "$n_epochs" --seed "$seed" "$@"
    fi
  fi
  teacher_logits "$dir"
  record "$dir"
}

teachers=(rgb flow audio layout)
train_teachers() {            # seed
  train_teacher rgb "$1" "$rgb_epochs" --bidirectional --base-width "$t_width"
  train_teacher flow "$1" "$t_epochs" --modality flow --base-width "$width"
  train_teacher audio "$1" "$t_epochs" --modality audio --base-width "$width"
  train_teacher layout "$1" "$layout_epochs"
}

# ---------------------------------------------------------------------------
# the teachers of a seed fused with each scheme, into fused/s<seed>/
fuse() {                      # seed
  local seed=$1 t scheme f held fuse_args=()
  log "fused teachers, seed $seed"
  for t in "${teachers[@]}"; do
    fuse_args+=(--teacher "$t=$out/teacher-$t-s$seed/logits.jsonl")
  done
  mkdir -p "$out/fused/s$seed"
  for scheme in $schemes; do
    held=()
    [ "$scheme" = full-dataset ] && held=(--held-out-split heldout)
    f=$out/fused/s$seed/$scheme
    # distillation targets: every training clip
    done_file "$f-train.jsonl" ||
      "$bin/ego-fuse" --data "$data" --split train --scheme "$scheme" \
        "${fuse_args[@]}" "${held[@]}" --out "$f-train.jsonl" \
        --weights-json "$f-train-weights.json"
    # the fused teacher on the test split: weights that need no test labels
    if [ "$scheme" != per-sample ] && ! done_file "$f-test.jsonl"; then
      "$bin/ego-fuse" --data "$data" --split test --scheme "$scheme" \
        "${fuse_args[@]}" "${held[@]}" --out "$f-test.jsonl" \
        --weights-json "$f-test-weights.json"
    fi
  done
  record "$out/fused/s$seed"
}

# ---------------------------------------------------------------------------
# students: the deployed architecture, on labels and distilled
evaluate() {                  # dir
  local dir=$1 v
  for v in 1x1 2x3; do
    done_file "$dir/eval-test-$v.json" ||
      "${ego_eval[@]}" --model "$dir/model.safetensors" --data "$data" \
        --split test --views "$v" --json > "$dir/eval-test-$v.json"
  done
}

train_students() {            # seed
  local seed=$1 dir scheme
  # full-dataset first: the first seed's is the shipped default
  for scheme in full-dataset labels uniform per-sample; do
    if [ "$scheme" = labels ]; then
      dir=$out/student-labels-s$seed
      log "student on labels, seed $seed"
      trained "$dir" "$epochs" eval-test-1x1.json eval-test-2x3.json ||
        train "$dir" "${common[@]}" --base-width "$width" \
          --epochs "$epochs" --seed "$seed" --validation-split ""
      evaluate "$dir"
      record "$dir"
      continue
    fi
    dir=$out/student-kd-$scheme-s$seed
    log "student distilled ($scheme), seed $seed"
    # temperature 2 and a label term: teachers that recall their training
    # clips give targets close to the labels (distillation-tuning.md)
    trained "$dir" "$epochs" eval-test-1x1.json eval-test-2x3.json ||
      train "$dir" "${common[@]}" --base-width "$width" \
        --epochs "$epochs" --seed "$seed" --validation-split "" \
        --teacher-logits "$out/fused/s$seed/$scheme-train.jsonl" \
        --temperature 2 --lambda-d 1 --lambda-gt 0.5
    evaluate "$dir"
    record "$dir"
  done
  # the same network fed RGB and optical flow (5 input channels), on labels
  dir=$out/student-rgbflow-s$seed
  log "student on RGB and flow, on labels, seed $seed"
  trained "$dir" "$epochs" eval-test-1x1.json eval-test-2x3.json ||
    train "$dir" "${common[@]}" --modality rgbflow --base-width "$width" \
      --epochs "$epochs" --seed "$seed" --validation-split ""
  evaluate "$dir"
  record "$dir"
}

# ---------------------------------------------------------------------------
# a probe of the benchmark's balance: the student's network on one RGB
# frame per clip, which cannot see which way anything moves
probe_frame() {
  local dir=$out/probe-frame
  log "probe: one RGB frame"
  trained "$dir" "$epochs" eval-test-1x1.json ||
    train "$dir" "${common[@]}" --base-width "$width" --frames 1 \
      --epochs "$epochs" --seed 1 --validation-split ""
  grep -qs '"noun_by_verb"' "$dir/eval-test-1x1.json" ||
    "${ego_eval[@]}" --model "$dir/model.safetensors" --data "$data" \
      --split test --json --reversed-pairs "$pairs" --noun-by-verb \
      --confusion "$dir/confusion-test.csv" > "$dir/eval-test-1x1.json"
  record "$dir"
}

# one seed at a time (teachers, fusion, students), so that a whole first
# seed is done first; the probe after seed 1 (it is trained with seed 1)
for seed in $seeds; do
  train_teachers "$seed"
  fuse "$seed"
  train_students "$seed"
  if [ "$seed" = 1 ]; then probe_frame; fi
done

# ---------------------------------------------------------------------------
log "results"
manifest=$out/manifest.tsv
{
  printf '# name\trole\tweighting\tseed\tviews\tkind\tpath\n'
  for seed in $seeds; do
    for t in "${teachers[@]}"; do
      for v in 1x1 2x3; do
        f=$out/teacher-$t-s$seed/eval-test-$v.json
        [ -s "$f" ] && printf 'teacher-%s\tteacher-%s\t-\t%s\t%s\teval\t%s\n' \
          "$t" "$t" "$seed" "$v" "$f"
      done
    done
    for scheme in uniform full-dataset; do
      printf 'fused-%s\tteacher-fused\t%s\t%s\t1x1\tlogits\t%s\n' "$scheme" \
        "$scheme" "$seed" "$out/fused/s$seed/$scheme-test.jsonl"
    done
    for v in 1x1 2x3; do
      printf 'student-labels\tstudent-labels\t-\t%s\t%s\teval\t%s\n' "$seed" \
        "$v" "$out/student-labels-s$seed/eval-test-$v.json"
      printf 'student-rgbflow\tmultimodal-labels\t-\t%s\t%s\teval\t%s\n' \
        "$seed" "$v" "$out/student-rgbflow-s$seed/eval-test-$v.json"
      for scheme in $schemes; do
        printf 'student-kd-%s\tstudent-kd\t%s\t%s\t%s\teval\t%s\n' "$scheme" \
          "$scheme" "$seed" "$v" "$out/student-kd-$scheme-s$seed/eval-test-$v.json"
      done
    done
  done
} > "$manifest.$$"
mv "$manifest.$$" "$manifest"       # runs side by side each write it whole
# the whole teacher's cost includes the optical flow its flow network sees:
# ego-eval counts egoflow's operations for the frames of a view
read -r seed _ <<< "$seeds"
f=$out/teacher-flow-s$seed/eval-test-1x1.json
grep -q '"flow_gflops_per_view"' "$f" ||
  "${ego_eval[@]}" --model "$out/teacher-flow-s$seed/model.safetensors" \
    --data "$data" --split test --json --reversed-pairs "$pairs" > "$f"
flow_gflops=$(sed -n 's/.*"flow_gflops_per_view": \([0-9.eE+-]*\).*/\1/p' "$f")
probe=()
f=$out/probe-frame/eval-test-1x1.json
[ -s "$f" ] && probe=(--probe "one RGB frame (probe)=$f")
"$bin/ego-results" --manifest "$manifest" --data "$data" --split test \
  --flow-gflops "${flow_gflops:-0}" --out "$out" "${probe[@]}"
# the records keep the results of the run over the most seeds: a run of
# one seed beside the others does not replace the results of all of them
recorded_seeds=0
[ -s "$records/results.json" ] && recorded_seeds=$(grep -o '"seed": [0-9]*' \
  "$records/results.json" | sort -u | wc -l)
[ "$(wc -w <<< "$seeds")" -ge "$recorded_seeds" ] && record "$out"
echo "wrote $out/results.md and $out/results.json"
