#!/usr/bin/env bash
# The Debian packages Brightline's tests and features use, installed when missing:
# FFmpeg (video), The Sleuth Kit and libewf tools (disk images), mtools, dosfstools and
# e2fsprogs (the tests build disk images with them), 7-Zip, and Chromium (the browser
# tests drive Debian's Chromium: no browser is ever downloaded).
set -euo pipefail
# The FFmpeg development files and cmake build Meta's vpdq (a dev extra: the interoperability
# test and the video benchmark compare against it).
PACKAGES="ffmpeg sleuthkit ewf-tools mtools dosfstools e2fsprogs p7zip-full chromium fonts-dejavu-core
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev
  libswresample-dev libpostproc-dev pkg-config cmake"
command -v dpkg-query >/dev/null || { echo "not a Debian system: install the equivalents of: $PACKAGES" >&2; exit 0; }
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$missing — run: sudo apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
