#!/usr/bin/env bash
# gst-ego's demo: the main job on the default model.
#   ./pipelines/demo.sh [SEED] [SECONDS]   (EGO_BUILD_DIR: another build, default build/)
# Installs what is missing (Debian packages), builds, renders an unseen
# egocentric clip with egosynthsrc, labels it live with egoaction's default
# student, draws the labels with egooverlay, writes demo.mp4 and prints the
# recognised action timeline beside the true one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-20261124}
seconds=${2:-30}
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
ego_install_deps gstreamer1.0-plugins-ugly gstreamer1.0-libav
build=${EGO_BUILD_DIR:-$top/build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
flock "$build" ninja -C "$build" >/dev/null   # one build at a time
export GST_PLUGIN_PATH="$build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
if [ ! -f "$top/models/default/egoaction-default.safetensors" ]; then
  echo "demo.sh: no default model is built in yet (models/default/egoaction-default.safetensors);" >&2
  echo "  label with your own: build/pipelines/ego-label --synth $seed --model FILE demo.mp4" >&2
  exit 1
fi
# a result every 2 sampled frames; exponential smoothing would lag the
# timeline, so the raw windows are shown
"$build/pipelines/ego-label" --synth "$seed" --seconds "$seconds" \
  --stride 2 --threshold 0.25 demo.mp4
