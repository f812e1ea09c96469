#!/usr/bin/env bash
# Downloads the Debian packages the end-to-end test assembles its base image
# from: Python 3.11 with its standard library, pip and one wheel to install
# offline, and busybox for /bin/sh. Tests never reach the network, so .ci/run
# calls this before them; the test only reads the folder this writes.
#
# Usage: test/e2e/fetch-base-debs.sh [folder]   (default: .cache/e2e-base-debs)
set -euo pipefail
cd "$(dirname "$0")/../.."

dest=${1:-.cache/e2e-base-debs}
packages=(
  # the interpreter and its standard library
  python3.11-minimal libpython3.11-minimal libpython3.11-stdlib media-types
  # the shared libraries they load
  libc6 libexpat1 zlib1g libssl3 libffi8 libbz2-1.0 liblzma5 libsqlite3-0 libuuid1
  libcrypt1 libtirpc3 libnsl2 libdb5.3 libncursesw6 libtinfo6 libreadline8
  # /bin/sh for RUN instructions
  busybox-static
  # pip, run from its wheel, and the wheel the test image installs with it
  python3-pip-whl python3-wheel-whl
)

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes to the current folder; as root it warns that the
# _apt sandbox user cannot write there, which is harmless.
if ! (cd "$work" && apt-get download -qq "${packages[@]}" 2>"$work/apt.log"); then
  grep -v unsandboxed "$work/apt.log" >&2 || true
  echo "fetch-base-debs: apt-get download failed; run 'apt-get update' and retry" >&2
  exit 1
fi
count=$(find "$work" -name '*.deb' | wc -l)
if (( count != ${#packages[@]} )); then
  echo "fetch-base-debs: expected ${#packages[@]} packages, apt-get downloaded $count" >&2
  exit 1
fi
rm -f "$dest"/*.deb
mv "$work"/*.deb "$dest"/
echo "fetch-base-debs: $count packages in $dest"
