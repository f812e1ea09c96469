#!/usr/bin/env bash
# Builds the Debian root file system the tools end-to-end test
# (test/e2e/mirror-tools.test.ts) uses as its base image: this machine's Debian
# release (the CI container's, declared once in src/github/ci-container.ts)
# (minbase) with the packages a Dockerfile's tools stage installs already in
# dpkg's database, and no apt source, so that the stage's
# `apt-get update && apt-get install ca-certificates curl gpg unzip` succeeds
# offline. Tests never reach the network, so .ci/install calls this; the test
# only reads the folder this writes. Skipped when the folder is complete.
#
# Usage: test/e2e/fetch-tools-rootfs.sh [folder]   (default: .cache/e2e-tools-rootfs)
set -euo pipefail
cd "$(dirname "$0")/../.."

dest=${1:-.cache/e2e-tools-rootfs}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
release=$(. /etc/os-release && echo "${VERSION_CODENAME:?/etc/os-release names no Debian release}")
# What the tools stage installs (src/declaration/tool.ts, downloadPackages).
packages=ca-certificates,curl,gpg,gpg-agent,unzip
done_marker="$dest/.e2e-tools-rootfs-$packages"

if [[ -f "$done_marker" ]]; then
  echo "fetch-tools-rootfs: $dest is there"
  exit 0
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
if ! debootstrap --variant=minbase --include="$packages" "$release" "$dest" "$mirror" >"$dest.log" 2>&1; then
  tail -n 20 "$dest.log" >&2
  echo "fetch-tools-rootfs: debootstrap of $release from $mirror failed (log: $dest.log); check the network and retry" >&2
  exit 1
fi
# No apt source: `apt-get update` in the image fetches nothing. The device
# nodes, downloaded packages and package lists are not part of an image.
: >"$dest/etc/apt/sources.list"
rm -rf "${dest:?}/dev"/* "$dest/var/cache/apt/archives"/*.deb "$dest/var/lib/apt/lists"/*_*
rm -f "$dest.log"
touch "$done_marker"
echo "fetch-tools-rootfs: Debian $release with $packages in $dest ($(du -sh "$dest" | cut -f1))"
