#!/usr/bin/env bash
# A stand-in `docker` for the local tasks' tests (no docker engine runs here):
# it answers what the tasks ask before a build as docker 27 with buildx 0.17
# does, with the same exit codes, records each call's arguments (one a line,
# a blank line after each call) in $STAND_IN_DOCKER_LOG, and refuses a flag
# `docker build` or `docker buildx build` does not have, as they do.
#   STAND_IN_BUILDX=absent     docker without the buildx plugin
#   STAND_IN_STORE=classic     the classic image store (default: containerd)
#   STAND_IN_PLATFORMS         the builder's `Platforms:` line
#                              (default: linux/amd64, linux/amd64/v2, linux/386, linux/arm64)
set -euo pipefail
printf '%s\n' "$@" '' >> "$STAND_IN_DOCKER_LOG"

# build_command NAME ARG...: the flags the tasks may pass to a build; anything else is refused.
build_command() {
  local name=$1 context=0
  shift
  while (( $# > 0 )); do
    case "$1" in
      --platform | --file | --tag | --build-arg | --progress) (( $# >= 2 )) || { echo "ERROR: flag needs an argument: $1" >&2; exit 1; }; shift 2 ;;
      --load | --pull) shift ;;
      -*)
        # The docker CLI's own flag error, and buildx's (a plugin).
        [[ "$name" == 'docker build' ]] || { printf 'ERROR: unknown flag: %s\n' "$1" >&2; exit 1; }
        printf 'unknown flag: %s\nSee '"'"'docker build --help'"'"'.\n' "$1" >&2
        exit 125
        ;;
      *) context=$((context + 1)); shift ;;
    esac
  done
  if (( context != 1 )); then
    printf '"%s" requires exactly 1 argument.\n' "$name" >&2
    exit 1
  fi
  echo '#1 [internal] load build definition from Dockerfile'
}

buildx() {
  if [[ "${STAND_IN_BUILDX:-}" == absent ]]; then
    printf 'docker: unknown command: docker buildx\n\nRun '"'"'docker --help'"'"' for more information\n' >&2
    exit 1
  fi
  case "${1:-}" in
    version) echo 'github.com/docker/buildx v0.17.1 257815a' ;;
    inspect)
      printf '%s\n' 'Name:          default' 'Driver:        docker' '' 'Nodes:' 'Name:             default' \
        'Endpoint:         default' 'Status:           running' 'BuildKit version: v0.16.0' \
        "Platforms:        ${STAND_IN_PLATFORMS:-linux/amd64, linux/amd64/v2, linux/386, linux/arm64}"
      ;;
    build) shift; build_command 'docker buildx build' "$@" ;;
    *) printf 'docker: unknown command: docker buildx %s\n' "${1:-}" >&2; exit 1 ;;
  esac
}

case "${1:-}" in
  buildx) shift; buildx "$@" ;;
  build) shift; build_command 'docker build' "$@" ;;
  info)
    [[ "${2:-} ${3:-}" == '--format {{.DriverStatus}}' ]] || { echo 'the stand-in answers only docker info --format {{.DriverStatus}}' >&2; exit 1; }
    if [[ "${STAND_IN_STORE:-containerd}" == classic ]]; then
      echo '[[Backing Filesystem extfs] [Supports d_type true] [Using metacopy false] [Native Overlay Diff true] [userxattr false]]'
    else
      echo '[[driver-type io.containerd.snapshotter.v1]]'
    fi
    ;;
  image) [[ "${2:-}" == inspect ]] || exit 1 ;;
  *) printf 'docker: unknown command: docker %s\n' "${1:-}" >&2; exit 1 ;;
esac
