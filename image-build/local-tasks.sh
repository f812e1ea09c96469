# shellcheck shell=bash
# shellcheck disable=SC2154 # image_config and the variables of docker/image-tasks.sh, which sources this file, set the rest
# The local build, smoke test and push of the images, on docker, podman or
# buildah, behind the `build-image:<id>`, `test-image:<id>` and
# `push-image:<id>` tasks: the generated docker/image-tasks.sh declares the
# images (`image_config`) and sources this file. It shares with the workflow
# the tag rules, the fingerprint and the build arguments, and runs without
# Node, so the engine starts at once. Every value from outside (tag argument,
# environment) reaches commands only as a quoted argument and is checked first.

# bash 4.4 or newer. This check comes first and stays in bash 3.2 syntax, so
# macOS's /bin/bash (3.2) reaches it and says what to do instead of failing on a
# later line. IMAGE_TASKS_BASH_VERSION stands in for BASH_VERSION in the tests.
bash_version=${IMAGE_TASKS_BASH_VERSION:-$BASH_VERSION}
case "$bash_version" in
  [0-3].*|4.[0-3].*)
    echo "image-tasks: bash $bash_version is too old: these tasks need bash 4.4 or newer; on macOS run 'brew install bash', open a new terminal (Homebrew's bin comes first on PATH) and run the task again" >&2
    exit 1
    ;;
esac

set -euo pipefail
# Without it, a failure inside $(...) would not stop the function that ran it.
shopt -s inherit_errexit

# shellcheck source=image-build/tags.sh
source "${BASH_SOURCE[0]%/*}/tags.sh"
# shellcheck source=image-build/fingerprint.sh
source "${BASH_SOURCE[0]%/*}/fingerprint.sh"
# shellcheck source=image-build/build-args.sh
source "${BASH_SOURCE[0]%/*}/build-args.sh"
# shellcheck source=image-build/platforms.sh
source "${BASH_SOURCE[0]%/*}/platforms.sh"

# How many changed files the refusal to build from a dirty tree names before it counts the rest.
files_named=3

fail() {
  printf 'image-tasks: %s\n' "$1" >&2
  exit 1
}

# Runs a tag function: its workflow-command error becomes one plain line, with a
# local hint appended.
tag_rule() {
  local hint=$1 out
  shift
  if ! out=$("$@" 2>&1); then
    fail "${out#::error title=*::}$hint"
  fi
  printf '%s\n' "$out"
}

# The tag the workflow gives this commit: a release tag at HEAD wins over the
# branch, as a tag push builds after the branch push. An argument replaces both,
# checked as a Docker tag the workflows do not reserve: which ref may publish
# which tag binds CI's runs, and a laptop pushes only where its login lets it.
local_tag() {
  local requested=$1 sha release branch tag
  sha=$(git rev-parse HEAD 2>/dev/null || true)
  if [[ -n "$requested" ]]; then
    tag=$requested
  else
    [[ -n "$sha" ]] || fail "not in a git checkout with a commit: pass the tag as an argument"
    release=$(git tag --points-at HEAD --sort=-v:refname --list "$image_build_release_tag_pattern" | sed -n 1p)
    if [[ -n "$release" ]]; then
      tag=$(tag_rule "" resolve_tag push tag "$release" "$sha" "")
    elif branch=$(git symbolic-ref --quiet --short HEAD); then
      tag=$(tag_rule "; locally, pass the tag as an argument instead" resolve_tag push branch "$branch" "$sha" "")
    else
      fail "HEAD is detached and carries no release tag ($image_build_release_tag_pattern): pass the tag as an argument"
    fi
  fi
  tag_rule "" check_tag "$tag" >/dev/null
  printf '%s\n' "$tag"
}

# The origin remote as an https URL, without credentials; empty when there is none
# or it names no host and path. Only an https remote keeps its port: the port of an
# ssh:// or git:// remote is the ssh or git daemon's, not the web server's.
source_url() {
  local url
  url=$(git remote get-url origin 2>/dev/null || true)
  url=${url%.git}
  if [[ "$url" =~ ^https://([^/@]*@)?([A-Za-z0-9.-]+(:[0-9]+)?)(/[^?#]+)$ ]]; then
    printf 'https://%s%s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
  elif [[ "$url" =~ ^[a-z][a-z0-9+.-]*://([^/@]*@)?([A-Za-z0-9.-]+)(:[0-9]+)?(/[^?#]+)$ ]]; then
    printf 'https://%s%s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
  elif [[ "$url" =~ ^([^/@:]+@)?([A-Za-z0-9.-]+):([^/][^?#]*)$ ]]; then
    printf 'https://%s/%s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
  fi
}

# The image's input files that differ from HEAD: changed, staged, deleted or new
# (git-ignored files aside), minus what never reaches the build context; for
# each platform built, the paths that platform copies.
uncommitted_inputs() {
  local target paths
  paths=$(for target in "${build_platforms[@]}"; do platform_paths "$target" "${inputs[@]}"; done | sort -u)
  readarray -t paths <<<"$paths"
  {
    git -c core.quotePath=false diff --name-only --no-renames HEAD -- "${paths[@]}" "${image_tasks_context_excludes[@]}"
    git -c core.quotePath=false ls-files --others --exclude-standard -- "${paths[@]}" "${image_tasks_context_excludes[@]}"
  } | sort -u
}

# The commit the image is built from, for its revision label. CI builds only
# commits, so a CI tag on an image with uncommitted changes would be a lie: refuse
# it. Another tag is allowed, and its revision says `<sha>-dirty`, as `git describe
# --dirty` would.
build_revision() {
  local sha changed files named more=""
  sha=$(git rev-parse HEAD 2>/dev/null || true)
  [[ -n "$sha" ]] || return 0
  changed=$(uncommitted_inputs)
  if [[ -z "$changed" ]]; then
    printf '%s\n' "$sha"
    return 0
  fi
  readarray -t files <<<"$changed"
  named=$(printf '%s, ' "${files[@]:0:files_named}")
  (( ${#files[@]} <= files_named )) || more=" and $(( ${#files[@]} - files_named )) more"
  if [[ -z "$requested_tag" ]] || is_ci_tag "$tag"; then
    fail "$ref would carry a tag CI pushes, but ${#files[@]} of the files it is built from differ from the last commit (${named%, }$more): commit or stash them, or pass another tag as an argument, whose image is labelled as not from a clean commit"
  fi
  echo "==> ${#files[@]} uncommitted file(s) go into $ref: its revision label says $sha-dirty" >&2
  printf '%s-dirty\n' "$sha"
}

require_engine() {
  case "$engine" in
    docker|podman|buildah) ;;
    *) fail "$(printf 'CONTAINER_ENGINE=%q is not one of docker, podman, buildah' "$engine")" ;;
  esac
  command -v "$engine" >/dev/null 2>&1 \
    || fail "container engine $engine is not installed (not on PATH): install it, or set CONTAINER_ENGINE to another of docker, podman, buildah"
}

# The Dockerfile for engines other than docker. buildah before 1.41 and podman
# before 5 reject COPY --link, which only spares BuildKit earlier layers, so
# their copy has none. They also key a cached LABEL step on its text, not on
# the build arguments it expands, so a rebuild at a new commit would keep the
# old labels: a no-op RUN before the final stage's first LABEL misses their
# cache whenever the provenance arguments change (unless that stage is FROM
# scratch, which has no shell).
engine_dockerfile() {
  awk '
    { line[NR] = $0 }
    /^[[:space:]]*FROM[[:space:]]/ { final = NR; scratch = ($2 == "scratch") }
    END {
      for (i = 1; i <= NR; i++) {
        text = line[i]
        if (text ~ /^[[:space:]]*(COPY|ADD)[[:space:]]/) gsub(/[[:space:]]--link(=true)?/, "", text)
        if (!labelled && i > final && !scratch && text ~ /^[[:space:]]*LABEL[[:space:]]/) { print "RUN true"; labelled = 1 }
        print text
      }
    }' "$dockerfile"
}

# Where one local build downloads from, from the environment: a mirror or proxy
# serves the same bytes (the base image by its digest, the tools checked against
# their signature or pinned sha256, pip's pinned versions), so an override is a
# build argument of this build only and never touches the committed build
# arguments file the inputs fingerprint hashes.
#   BASE_IMAGE_MIRROR  a registry (host[:port][/path]) serving the base image under its own path
#   <TOOL>_MIRROR      a tool's download base URL, for each *_MIRROR argument the image has
#   PIP_INDEX_URL      pip's index (PEP 503), for an image with the PIP_INDEX_URL argument
mirror_url_pattern='^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?$'
# The build arguments an environment variable of the same name replaces.
override_pattern='^([A-Z][A-Z0-9_]*_MIRROR|PIP_INDEX_URL)$'
mirror_registry_pattern='^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$'

# checked_url NAME: the URL in the environment variable NAME, without a trailing
# slash. Credentials are refused: build arguments end up in the image's history.
checked_url() {
  local name=$1 value=${!1}
  [[ "$value" =~ $mirror_url_pattern ]] \
    || fail "$(printf '%s=%q is not an http(s) URL without credentials, query, quotes or spaces, such as https://artifacts.example.com/pypi/simple (build arguments are recorded in the image'"'"'s history)' "$name" "$value")"
  printf '%s\n' "${value%/}"
}

# mirrored_image REFERENCE MIRROR: the same image, digest and all, on MIRROR, under
# the path its own registry gives it (Docker Hub's official images under library/).
mirrored_image() {
  local reference=$1 mirror=$2 first=${1%%/*}
  if [[ "$reference" != */* ]]; then
    reference=library/$reference
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then
    reference=${reference#*/}
  fi
  printf '%s/%s\n' "${mirror%/}" "$reference"
}

# build_arg_lines: the image's `NAME=value` build arguments for this build, the
# environment's mirrors in place of the file's download locations; says which.
build_arg_lines() {
  local line name value
  if [[ -n "${BASE_IMAGE_MIRROR:-}" && ! "$BASE_IMAGE_MIRROR" =~ $mirror_registry_pattern ]]; then
    fail "$(printf 'BASE_IMAGE_MIRROR=%q is not a registry such as 127.0.0.1:5000 or mirror.example.com/dockerhub' "$BASE_IMAGE_MIRROR")"
  fi
  while IFS= read -r line; do
    name=${line%%=*}
    value=${line#*=}
    if [[ "$name" == BASE_IMAGE && -n "${BASE_IMAGE_MIRROR:-}" ]]; then
      value=$(mirrored_image "$value" "$BASE_IMAGE_MIRROR")
    elif [[ "$name" =~ $override_pattern && -n "${!name:-}" ]]; then
      value=$(checked_url "$name")
    fi
    [[ "$line" == "$name=$value" ]] || echo "==> $name from the environment: $value (the inputs fingerprint stays that of $build_args_file)" >&2
    printf '%s=%s\n' "$name" "$value"
  done < <(build_args_lines "$build_args_file")
}

# failed_step LOG: the engine's last step in its output, for the one line a failed build ends with.
failed_step() {
  local step
  # buildah and podman: `STEP 7/15: RUN ...`, `[2/3] STEP 4/6: RUN ...` in a multi-stage build;
  # BuildKit's plain progress: `#12 [python 3/5] RUN ...`.
  step=$(grep -aE '^((\[[0-9]+/[0-9]+\] )?STEP [0-9]+/[0-9]+: |#[0-9]+ \[[^]]+\] )' "$1" | tail -n 1 || true)
  step=${step#\#* }
  (( ${#step} <= 160 )) || step="${step:0:157}..."
  if [[ -n "$step" ]]; then printf 'at %s\n' "$step"; else echo 'before its first step'; fi
}

# buildx_check PLATFORM...: docker builds the platforms in one `docker buildx
# build` only when it has buildx, an image store that holds an image index
# (the containerd image store: the classic one cannot load an image of several
# platforms, whatever the builder) and a builder that builds each platform;
# else one line says what to set up.
buildx_check() {
  local status builder name supported target instead="or build one platform at a time, e.g. --platform $1"
  docker buildx version >/dev/null 2>&1 \
    || fail "docker has no buildx plugin, which builds several platforms in one build: install it (https://docs.docker.com/go/buildx/), $instead"
  status=$(docker info --format '{{.DriverStatus}}' 2>/dev/null) \
    || fail "docker info failed: start the docker daemon, $instead"
  [[ "$status" == *io.containerd.snapshotter* ]] \
    || fail "docker's image store is the classic one, which cannot hold an image of several platforms: enable the containerd image store (https://docs.docker.com/engine/storage/containerd/), $instead"
  builder=$(docker buildx inspect 2>/dev/null) \
    || fail "docker buildx inspect failed: select a working builder with docker buildx use, $instead"
  name=$(sed -n 's/^Name:[[:space:]]*//p' <<<"$builder" | sed -n 1p)
  # Every node's `Platforms:` line; `*` marks the ones set by hand.
  supported=$(sed -n 's/^Platforms:[[:space:]]*//p' <<<"$builder" | tr -d '* ' | tr ',' '\n')
  for target in "$@"; do
    grep -qxF -- "$target" <<<"$supported" \
      || fail "docker's buildx builder ${name:-(unnamed)} cannot build $target (it builds $(tr '\n' ' ' <<<"$supported" | sed 's/ *$//')): add a node of that architecture (docker buildx create --append) or emulation, $instead"
  done
}

# Provenance goes in as build arguments only, as in the workflow: the labels come
# from the Dockerfile's ARG and LABEL lines, the path CI relies on.
build() {
  local line lines revision inputs_image log file=$dockerfile args=()
  revision=$(build_revision)
  inputs_image=$(inputs_reference)
  # Read whole first: a bad override ends the task here, before the engine starts.
  lines=$(build_arg_lines)
  while IFS= read -r line; do
    args+=(--build-arg "$line")
  done <<<"$lines"
  args+=(--build-arg "$image_build_provenance_source=$(source_url)")
  args+=(--build-arg "$image_build_provenance_revision=$revision")
  args+=(--build-arg "$image_build_provenance_created=$(git log -1 --format=%cI HEAD 2>/dev/null || true)")
  # A failed step's container goes too (BuildKit keeps none).
  local command=("$engine" build --force-rm) targets
  [[ "$engine" != docker ]] || command=(docker build)
  [[ "$engine" != buildah ]] || command=(buildah bud --layers --force-rm)
  targets=$(IFS=,; printf '%s' "${build_platforms[*]}")
  if (( ${#build_platforms[@]} > 1 )); then
    buildx_check "${build_platforms[@]}"
    # --load: the index goes to docker's image store, where test-image and push-image find it.
    command=(docker buildx build --load)
  fi
  if [[ "$engine" != docker ]]; then
    file=$(mktemp "${TMPDIR:-/tmp}/image-tasks-dockerfile.XXXXXX")
    temporary+=("$file")
    engine_dockerfile > "$file"
  fi
  log=$(mktemp "${TMPDIR:-/tmp}/image-tasks-build.XXXXXX")
  temporary+=("$log")
  echo "==> Building $ref for $targets from $dockerfile with ${command[*]:0:2}"
  "${command[@]}" --platform "$targets" --file "$file" --tag "$ref" --tag "$inputs_image" "${args[@]}" . 2>&1 | tee "$log" \
    || fail "building $ref with $engine failed $(failed_step "$log"): the engine's output above says why"
}

# Whether the engine's local storage holds the image.
image_exists() {
  if [[ "$engine" == buildah ]]; then
    buildah inspect --type image "$1" >/dev/null 2>&1
  else
    "$engine" image inspect "$1" >/dev/null 2>&1
  fi
}

# The image named by its inputs tag, from the fingerprint function the workflow
# runs: the files as they are in the working tree, uncommitted edits included.
# Several platforms make an index, named by the index's fingerprint as in the
# workflow's index job.
inputs_reference() {
  local fingerprint document errors
  if (( ${#build_platforms[@]} > 1 )); then
    errors=$(mktemp "${TMPDIR:-/tmp}/image-tasks-fingerprint.XXXXXX")
    temporary+=("$errors")
    if ! document=$(index_document "$(printf '%s\n' "${build_platforms[@]}")" "${fingerprint_inputs[@]}" 2>"$errors"); then
      errors=$(<"$errors")
      fail "${errors#::error title=*::}"
    fi
    fingerprint=$(printf '%s\n' "$document" | inputs_sha256)
  elif ! fingerprint=$(inputs_fingerprint "$platform" "${fingerprint_inputs[@]}" 2>&1); then
    fail "${fingerprint#::error title=*::}"
  fi
  printf '%s/%s:%s\n' "$registry" "$repository" "$(inputs_tag "$fingerprint")"
}

require_image() {
  image_exists "$ref" || fail "there is no local image $ref: build it first: npx projen build-image:$id${requested_tag:+ $requested_tag}"
}

# What this run leaves behind, removed when it ends however it ends.
clean_up() {
  [[ -z "$container" ]] || buildah rm "$container" >/dev/null
  (( ${#temporary[@]} == 0 )) || rm -f "${temporary[@]}"
}

smoke_test() {
  require_image
  echo "==> Smoke test in $ref: ${smoke_command[*]}"
  if [[ "$engine" == buildah ]]; then
    container=$(buildah from --pull=never --quiet "$ref")
    buildah run "$container" -- "${smoke_command[@]}" \
      || fail "smoke test failed in $ref: ${smoke_command[*]}"
  else
    "$engine" run --rm --pull never "$ref" "${smoke_command[@]}" \
      || fail "smoke test failed in $ref: ${smoke_command[*]}"
  fi
  echo "==> Smoke test passed"
}

# The image under its tag only. Inputs tags are CI's: a promotion hands out
# whatever an inputs tag names as `latest` or a release, so only the workflow,
# building a commit from its reviewed Dockerfile, writes them. The local inputs
# tag stays on this machine.
push() {
  require_image
  echo "==> Pushing $ref with $engine (its inputs tag stays local: only CI pushes inputs tags)"
  "$engine" push "$ref" \
    || fail "pushing $ref failed; log in first (for ECR: aws ecr get-login-password --region $image_tasks_region | $engine login --username AWS --password-stdin $registry)"
}

# image_tasks_main ACTION IMAGE_ID [TAG]: the script's command line.
# host_platform: the machine's OS/ARCH in the names `--platform` takes.
host_platform() {
  case "$(uname -m)" in
    x86_64 | amd64) echo linux/amd64 ;;
    aarch64 | arm64) echo linux/arm64 ;;
    *) echo "linux/$(uname -m)" ;;
  esac
}

# select_platforms REQUESTED: sets `build_platforms`, the platforms this run
# builds, and `platform`, the first of them. REQUESTED is one platform, a
# comma-separated list or `all` (every declared one), each declared; without
# it, the host's platform when declared, else the first declared. Several at
# once only for docker, whose buildx builds them in one build into one image
# index (see `buildx_check`); buildah and podman build one platform at a time.
select_platforms() {
  local requested=$1 declared=("${platforms[@]}") host target listed=()
  (( ${#declared[@]} > 0 )) || declared=("$platform")
  if [[ "$requested" == all ]]; then
    listed=("${declared[@]}")
  elif [[ -n "$requested" ]]; then
    IFS=, read -r -a listed <<<"$requested"
  else
    listed=("${declared[0]}")
    (( ${#declared[@]} == 1 )) || host=$(host_platform)
    [[ -z "${host-}" || " ${declared[*]} " != *" $host "* ]] || listed=("$host")
  fi
  if (( ${#listed[@]} > 1 )) && [[ "$action" == build && "$engine" != docker ]]; then
    fail "$(printf '%s builds one platform at a time, not %q: run the task once per platform, e.g. --platform %s, or use docker with buildx, which builds several in one build; the workflow builds every platform natively and merges them into one index' "$engine" "$requested" "${declared[0]}")"
  fi
  if (( ${#listed[@]} > 1 )) && [[ "$action" == test ]]; then
    fail "$(printf 'the smoke test runs in the image of one platform, not %q: pass one, e.g. --platform %s' "$requested" "${declared[0]}")"
  fi
  build_platforms=()
  for target in "${listed[@]}"; do
    if [[ " ${declared[*]} " != *" $target "* ]]; then
      (( ${#platforms[@]} > 0 )) || fail "$(printf 'platform %q is not declared for %s, which is built for %s only' "$target" "$id" "$platform")"
      fail "$(printf 'platform %q is not declared for %s, whose platforms are %s' "$target" "$id" "${declared[*]}")"
    fi
    [[ " ${build_platforms[*]} " == *" $target "* ]] || build_platforms+=("$target")
  done
  platform=${build_platforms[0]}
}

image_tasks_main() {
  container=""
  temporary=()
  trap clean_up EXIT
  image_tasks_usage="usage: $image_tasks_path build|test|push|tag|fingerprint IMAGE_ID [TAG] [--platform OS/ARCH[,OS/ARCH...]|all]"
  local positional=() requested_platform=""
  while (( $# > 0 )); do
    case "$1" in
      --platform) (( $# >= 2 )) || fail "$image_tasks_usage"; requested_platform=$2; shift 2 ;;
      --platform=*) requested_platform=${1#--platform=}; shift ;;
      *) positional+=("$1"); shift ;;
    esac
  done
  set -- "${positional[@]}"
  (( $# == 2 || $# == 3 )) || fail "$image_tasks_usage"
  action=$1
  id=$2
  requested_tag=${3-}
  platforms=()
  image_config "$id"
  engine=${CONTAINER_ENGINE:-docker}
  select_platforms "$requested_platform"
  registry=${IMAGE_REGISTRY:-$image_tasks_default_registry}
  [[ "$registry" =~ ^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] \
    || fail "$(printf 'IMAGE_REGISTRY=%q is not a registry such as 127.0.0.1:5000 or %s' "$registry" "$image_tasks_default_registry")"
  # A fingerprint names the image's inputs, not a commit: it needs no tag rule.
  if [[ "$action" == fingerprint ]]; then
    inputs_reference
    return
  fi
  tag=$(local_tag "$requested_tag")
  ref="$registry/$repository:$tag"
  case "$action" in
    tag) printf '%s\n' "$tag" ;;
    build) require_engine; build ;;
    test) require_engine; smoke_test ;;
    push) require_engine; push ;;
    *) fail "$image_tasks_usage" ;;
  esac
}
