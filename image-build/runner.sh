# shellcheck shell=bash
# What the image job does to the runner machine itself.

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"

# Removes pre-installed toolchains image builds never use, and every Docker
# image, to make room for a large image. Only on GitHub's hosted runners (the
# workflow's condition): each job there gets a fresh VM.
free_disk_step() {
  echo "Free space before:"
  df -h /
  sudo rm -rf "${image_build_runner_bloat[@]}"
  docker image prune --all --force
  echo "Free space after:"
  df -h /
}
