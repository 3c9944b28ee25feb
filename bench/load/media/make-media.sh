#!/usr/bin/env bash
# Regenerates the pre-encoded clips the media benchmark replays
# (bench/load/media/clip.ivf, clip.opus) from deterministic synthetic
# sources: VP8 at about 1 Mbit/s, 640x480, 30 fps, one keyframe per loop
# (as a browser sends after its first keyframe, absent PLIs), and Opus at
# 20 ms frames, ~32 kbit/s. Needs Debian's vpx-tools and opus-tools
# (installed here when missing). The committed files are what this wrote;
# run it only to change them.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_LONG=${SECONDS_LONG:-5}
if ! command -v vpxenc >/dev/null || ! command -v opusenc >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq vpx-tools opus-tools >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 make_sources.py "$tmp/src.y4m" "$tmp/src.wav" "$SECONDS_LONG"
vpxenc --codec=vp8 --ivf --rt --cpu-used=8 --end-usage=cbr --target-bitrate=1000 \
  --kf-min-dist=0 --kf-max-dist=$((SECONDS_LONG * 30)) --lag-in-frames=0 --error-resilient=1 \
  --threads=1 --quiet -o clip.ivf "$tmp/src.y4m"
opusenc --quiet --bitrate 32 --framesize 20 --comp 10 --serial 1 "$tmp/src.wav" clip.opus
ls -l clip.ivf clip.opus
