#!/usr/bin/env bash
# Label the actions in a recorded file:
#   pipelines/label-file.sh IN OUT.mp4 [--model FILE] [--stride N] [--threshold P] [--json]
# Decodes IN (anything GStreamer reads), draws the recognised actions, writes
# OUT as MP4 (audio kept when present) and prints the action timeline.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ]; then
  sed -n '2,5p' "$0" >&2
  exit 2
fi
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
ego_install_deps gstreamer1.0-plugins-ugly gstreamer1.0-libav
# EGO_BUILD_DIR: another build of the project (default build/)
build=${EGO_BUILD_DIR:-$top/build}
if [ ! -x "$build/pipelines/ego-label" ]; then
  [ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
  flock "$build" ninja -C "$build" >/dev/null   # one build at a time
fi
export GST_PLUGIN_PATH="$build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec "$build/pipelines/ego-label" "$@"
