#!/usr/bin/env bash
# Live action labels from a V4L2 camera, on screen:
#   pipelines/webcam.sh [DEVICE] [egoaction properties...]
# e.g. pipelines/webcam.sh /dev/video0 model=my-student.safetensors stride=2
#      pipelines/webcam.sh stride=2          (the camera at /dev/video0)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
device=/dev/video0
case ${1:-} in
  ''|*=*) ;;                  # none, or already a property
  *) device=$1; shift ;;
esac
if [ ! -e "$device" ]; then
  echo "webcam.sh: no camera at $device (give the device as the first argument)" >&2
  exit 1
fi
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
ego_install_deps
if [ ! -f "$top/build/elements/libgstego.so" ]; then
  [ -f "$top/build/build.ninja" ] || meson setup "$top/build" >/dev/null
  ninja -C "$top/build" >/dev/null
fi
export GST_PLUGIN_PATH="$top/build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
# async: the picture never waits for the network; a leaky queue keeps the
# display live if the sink is slow
exec gst-launch-1.0 v4l2src device="$device" ! videoconvert ! \
  egoaction async=true smoothing=exponential min-hold=2 threshold=0.3 "$@" ! \
  egooverlay ! queue leaky=downstream max-size-buffers=2 ! videoconvert ! \
  autovideosink sync=false
