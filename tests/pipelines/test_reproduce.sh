#!/usr/bin/env bash
# pipelines/reproduce.sh --quick --records, run as a user runs it: a run of
# one seed that keeps its records, then runs that start from those records
# in a fresh folder, as on another machine. TAP output, one line per check.
# Usage: test_reproduce.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1
build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/test-reproduce.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=0
failed=0
check() {                     # description, then the command that must pass
  local what=$1
  shift
  n=$((n + 1))
  if "$@"; then
    echo "ok $n - $what"
  else
    echo "not ok $n - $what"
    failed=$((failed + 1))
  fi
}

reproduce() {                 # log, then reproduce.sh's arguments
  local log=$1
  shift
  EGO_BUILD_DIR=$build "$src/pipelines/reproduce.sh" --quick --seeds 1 \
    --threads 2 "$@" > "$log" 2>&1
}

# how many trainings a log shows (ego-train and ego-layout print each epoch)
trainings() { grep -c '^epoch 1/' "$1"; }

no_models() { ! find "$1" -name '*.safetensors' | grep -q .; }
has_records() {               # a step's evaluation and history are kept
  local d
  for d in teacher-rgb-s1 teacher-flow-s1 teacher-audio-s1 teacher-layout-s1 \
    student-labels-s1 student-kd-full-dataset-s1 student-kd-per-sample-s1 \
    student-kd-uniform-s1 student-rgbflow-s1 probe-frame; do
    [ -s "$1/$d/eval-test-1x1.json" ] && [ -s "$1/$d/history.json" ] ||
      { echo "# $1/$d lacks its records" >&2; return 1; }
  done
  [ -s "$1/fused/s1/full-dataset-train.jsonl" ] && [ -s "$1/results.json" ]
}
only_model_in() {             # out, the one step that holds a model
  [ "$(find "$1" -name model.safetensors)" = "$1/$2/model.safetensors" ]
}

# 1. the first run: renders, trains everything, keeps its records
reproduce "$work/a.log" --out "$work/a" --records "$work/rec"
check "a run with --records writes results.md" test -s "$work/a/results.md"
check "the records hold every step's evaluation and history" \
  has_records "$work/rec"
check "the records hold the benchmark's checksums" \
  test -s "$work/rec/benchmark.sha256"
check "the records hold no model and no benchmark" \
  eval 'no_models "$work/rec" && [ ! -e "$work/rec/data" ]'
check "the records hold the same results" \
  cmp -s "$work/a/results.md" "$work/rec/results.md"

# 2. a fresh folder from the records, one student's records taken out:
# that student alone is trained, and the results are the same
cp -R "$work/rec" "$work/rec2"
rm -r "$work/rec2/student-kd-uniform-s1"
reproduce "$work/b.log" --out "$work/b" --records "$work/rec2"
check "a run from the records finishes" test -s "$work/b/results.md"
check "it trains only the step whose records are missing" \
  eval '[ "$(trainings "$work/b.log")" = 1 ] &&
    only_model_in "$work/b" student-kd-uniform-s1'
check "its results are the first run's" \
  cmp "$work/a/results.md" "$work/b/results.md"
check "the retrained step's records are kept again" \
  test -s "$work/rec2/student-kd-uniform-s1/eval-test-2x3.json"

# 3. records that do not fit stop the run with a message, training nothing
cp -R "$work/rec" "$work/rec3"
sed -i '1s/^./0/' "$work/rec3/benchmark.sha256"
reproduce "$work/c.log" --out "$work/c" --records "$work/rec3"
status=$?
check "records of another benchmark stop the run" \
  eval '[ $status -ne 0 ] && grep -q "differs from the one" "$work/c.log"'
check "and none of them is taken into its folder" \
  eval '[ "$(ls "$work/c")" = data ]'

cp -R "$work/rec" "$work/rec4"
rm -r "$work/b/student-labels-s1"   # its model would count it done
# the layout teacher's history: 15 epochs, where a student trains 8
cp "$work/rec4/teacher-layout-s1/history.json" "$work/rec4/student-labels-s1/"
reproduce "$work/d.log" --out "$work/b" --records "$work/rec4"
status=$?
check "a recorded step of other epochs stops the run" \
  eval '[ $status -ne 0 ] && grep -q "trained 15 epochs, and this run trains 8" "$work/d.log"'

echo "1..$n"
[ "$failed" -eq 0 ] || { for f in "$work"/*.log; do
  echo "# --- $f"; sed 's/^/# /' "$f" | tail -20; done; }
exit $((failed > 0))
