#!/usr/bin/env bash
# Installs the Debian packages gst-ego needs to build, test and run, when
# they are missing. Sourced by tests/run.sh and pipelines/demo.sh.
# Usage: ego_install_deps [extra packages...]

EGO_DEPS=(
  gcc meson ninja-build pkg-config python3
  libglib2.0-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-plugins-base-apps
  libopenblas-dev libcairo2-dev libpango1.0-dev
)

ego_missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
      grep -q '^install ok installed$' || echo "$pkg"
  done
}

ego_install_deps() {
  local missing
  missing=$(ego_missing_packages "${EGO_DEPS[@]}" "$@")
  [ -z "$missing" ] && return 0
  echo "gst-ego: installing missing Debian packages:" $missing
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "gst-ego: these packages are missing and I am not root and have no sudo:" >&2
      echo "  apt-get install" $missing >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "gst-ego: apt-get not found; install by hand:" $missing >&2
    return 1
  fi
  # shellcheck disable=SC2086
  $sudo apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing ||
    { echo "gst-ego: apt-get could not install:" $missing >&2; return 1; }
}
