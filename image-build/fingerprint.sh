# shellcheck shell=bash
# The inputs fingerprint, shared by the workflow's fingerprint step and the
# local tasks so both name the same inputs the same way.
#
# `inputs_fingerprint PLATFORM DOCKERFILE BUILD_ARGS_FILE [PATH...]` prints
# the sha256 (64 hex digits) of the document `inputs_document` prints for the
# same arguments; `inputs_tag FINGERPRINT` prints the inputs tag, e.g.
# `inputs-<first 16 digits>`. Paths are relative to the repository root; the
# functions run from any folder of the checkout.
#
# The document has one line per input: the platform and the Dockerfile's path
# (the build settings that shape the image; it is always the Dockerfile's last
# stage), every `NAME=value` line of the build arguments file (comments and
# blank lines are not inputs), and for the Dockerfile and each path its git
# tree entry (mode, type, object hash) or `absent`. The workflow's build takes
# its Dockerfile, platform and build arguments from this very document (the
# fingerprint step's outputs), so no other value can be built under its tag. Provenance (revision, commit time, tag, source URL) is
# not an input: the same content at a new commit keeps its fingerprint.
#
# The hashes describe the working tree, never a commit it may differ from:
# the paths are added to a temporary index read from `HEAD`, so in a clean
# checkout each entry is exactly `git rev-parse HEAD:<path>`, and an edited,
# new or deleted file changes it as the commit recording the edit would. The
# checkout's own index is left alone; new content is stored as loose objects,
# as `git add` would. Files git ignores still reach the build context, so any
# under a path are listed with their `git hash-object` hash (computed, never
# stored: an ignored `.env` leaves no copy in `.git`). Line endings are hashed
# as they are on disk (`core.autocrlf` off), as a COPY takes them.

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"
# shellcheck source=image-build/outputs.sh
source "${BASH_SOURCE[0]%/*}/outputs.sh"

# Bumped whenever the document changes shape, so a new format can never
# reproduce an old fingerprint for other inputs.
inputs_document_version=2

# Prints only: a non-zero status here would end a caller running under
# `set -e` before it could return its own.
inputs_error() {
  printf '::error title=Inputs fingerprint::%s\n' "$1" >&2
}

inputs_check_path() {
  local pattern='^[A-Za-z0-9._@+-]+(/[A-Za-z0-9._@+-]+)*$'
  if [[ ! "$2" =~ $pattern || "/$2/" == */./* || "/$2/" == */../* ]]; then
    inputs_error "$(printf '%s %q must be a path relative to the repository root, without "." or ".." parts or a trailing "/", e.g. training/triton' "$1" "$2")"
    return 1
  fi
}

# platform_paths PLATFORM [PATH...]: each PATH on a line of its own, with
# `${TARGETPLATFORM}`, `${TARGETOS}`, `${TARGETARCH}` and `${TARGETVARIANT}`
# replaced by PLATFORM's values, as BuildKit expands them in a COPY source
# (synthesis writes a hand-written Dockerfile's platform arguments in this
# form): what one platform's build copies is that platform's input, so a
# change for one platform changes only its fingerprint.
platform_paths() {
  local platform=$1 os arch variant path
  IFS=/ read -r os arch variant <<<"$platform"
  for path in "${@:2}"; do
    # shellcheck disable=SC2016 # the literal text of a Dockerfile variable
    path=${path//'${TARGETPLATFORM}'/$platform} path=${path//'${TARGETOS}'/$os} path=${path//'${TARGETARCH}'/$arch} path=${path//'${TARGETVARIANT}'/$variant}
    printf '%s\n' "$path"
  done
}

# The paths after the build arguments file are the platform's (`platform_paths`).
inputs_document() (
  if (( $# < 3 )); then
    inputs_error 'usage: inputs_document PLATFORM DOCKERFILE BUILD_ARGS_FILE [PATH...]'
    exit 1
  fi
  target_platform=$1
  args_file=$3
  platform_pattern='^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$'
  if [[ ! "$target_platform" =~ $platform_pattern ]]; then
    inputs_error "$(printf 'platform %q is not OS/ARCH[/VARIANT] such as linux/amd64' "$target_platform")"
    exit 1
  fi
  paths=("$2")
  for path in "${@:4}"; do
    paths+=("$(platform_paths "$target_platform" "$path")")
  done
  inputs_check_path 'build arguments file' "$args_file" || exit 1
  for path in "${paths[@]}"; do
    inputs_check_path 'input' "$path" || exit 1
  done
  top=$(git rev-parse --show-toplevel 2>/dev/null) \
    || { inputs_error "$(printf '%q is not in a git checkout: the fingerprint hashes git objects' "$PWD")"; exit 1; }
  cd "$top" || exit 1
  [[ -f "${paths[0]}" ]] || { inputs_error "$(printf 'Dockerfile %q does not exist' "${paths[0]}")"; exit 1; }
  [[ -f "$args_file" ]] || { inputs_error "$(printf 'build arguments file %q does not exist' "$args_file")"; exit 1; }

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/inputs-fingerprint.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  export GIT_INDEX_FILE="$tmp/index"
  if git rev-parse --verify --quiet 'HEAD^{tree}' >/dev/null; then
    git read-tree HEAD || exit 1
  fi
  for path in "${paths[@]}"; do
    if git ls-files --error-unmatch -- "$path" >/dev/null 2>&1; then
      git -c core.autocrlf=false add --update -- "$path" || exit 1
    fi
  done
  git ls-files -z --others --exclude-standard -- "${paths[@]}" > "$tmp/new" || exit 1
  if [[ -s "$tmp/new" ]]; then
    git -c core.autocrlf=false --literal-pathspecs add --pathspec-from-file="$tmp/new" --pathspec-file-nul || exit 1
  fi
  tree=$(git write-tree) || exit 1

  printf 'inputs-fingerprint %s\nplatform %s\ndockerfile %s\n' "$inputs_document_version" "$target_platform" "${paths[0]}"
  arg_pattern='^[A-Za-z_][A-Za-z0-9_]*='
  while IFS= read -r line || [[ -n "$line" ]]; do
    case "$line" in
      '' | '#'*) ;;
      *)
        if [[ ! "$line" =~ $arg_pattern || "$line" == *$'\r'* ]]; then
          inputs_error "$(printf 'line %q of %s is not NAME=value: fix the file (npx projen writes it)' "$line" "$args_file")"
          exit 1
        fi
        printf 'build-arg %s\n' "$line" ;;
    esac
  done < "$args_file"
  for path in "${paths[@]}"; do
    entry=$(git ls-tree "$tree" -- "$path") || exit 1
    entry=${entry%%$'\t'*}
    printf 'input %s %s\n' "$path" "${entry:-absent}"
  done

  git ls-files -z --others --ignored --exclude-standard -- "${paths[@]}" > "$tmp/ignored" || exit 1
  while IFS= read -r -d '' file; do
    case "$file" in
      *$'\n'*) inputs_error "$(printf 'ignored file %q has a line break in its name: rename or remove it' "$file")"; exit 1 ;;
    esac
    if [[ -L "$file" ]]; then
      printf 'ignored %s 120000 link %s\n' "$file" "$(readlink "$file")"
    else
      mode=100644
      [[ ! -x "$file" ]] || mode=100755
      printf 'ignored %s %s blob %s\n' "$file" "$mode" "$(git hash-object --no-filters -- "$file")"
    fi
  done < "$tmp/ignored"
)

inputs_sha256() {
  local sum
  if command -v sha256sum >/dev/null 2>&1; then
    sum=$(sha256sum) || return 1
  elif command -v shasum >/dev/null 2>&1; then
    sum=$(shasum -a 256) || return 1
  else
    inputs_error 'neither sha256sum nor shasum is installed'
    return 1
  fi
  printf '%s\n' "${sum%% *}"
}

inputs_fingerprint() {
  local document
  document=$(inputs_document "$@") || return 1
  printf '%s\n' "$document" | inputs_sha256
}

inputs_tag() {
  local pattern='^[0-9a-f]{64}$'
  if [[ ! "$1" =~ $pattern ]]; then
    inputs_error "$(printf '%q is not a fingerprint: expected 64 lower-case hex digits' "$1")"
    return 1
  fi
  printf '%s%s\n' "$image_build_inputs_tag_prefix" "${1:0:image_build_inputs_tag_digits}"
}

# inputs_read_copied: sets the array inputs_copied to the paths of IMAGE_COPIED
# (one a line, possibly none), without the empty ones; a loop, so that macOS's
# bash 3.2 runs it too.
inputs_read_copied() {
  local path
  inputs_copied=()
  while IFS= read -r path; do
    [[ -z "$path" ]] || inputs_copied+=("$path")
  done <<<"$IMAGE_COPIED"
}

# The workflow's fingerprint step: IMAGE_PLATFORM, IMAGE_DOCKERFILE,
# IMAGE_BUILD_ARGS_FILE, IMAGE_COPIED (one path a line, possibly none) and
# CONTEXT_IGNORE, in the order `fingerprintArguments` gives them. Prints the
# document (why an image rebuilt is then one diff away) and outputs
# `fingerprint`, the inputs `tag`, and what the build steps take from the
# document: `dockerfile`, `platform` and `build_args` (one `NAME=value` a line).
inputs_step() {
  local document fingerprint tag build_args
  inputs_read_copied
  # The document once: it is hashed and printed, as `inputs_fingerprint` hashes it.
  document=$(inputs_document "$IMAGE_PLATFORM" "$IMAGE_DOCKERFILE" "$IMAGE_BUILD_ARGS_FILE" "${inputs_copied[@]}" "$CONTEXT_IGNORE") || return 1
  fingerprint=$(printf '%s\n' "$document" | inputs_sha256) || return 1
  tag=$(inputs_tag "$fingerprint") || return 1
  build_args=$(sed -n 's/^build-arg //p' <<<"$document")
  step_output fingerprint "$fingerprint" || return 1
  step_output tag "$tag" || return 1
  step_output dockerfile "$(sed -n 's/^dockerfile //p' <<<"$document")" || return 1
  step_output platform "$(sed -n 's/^platform //p' <<<"$document")" || return 1
  step_output_lines build_args "$build_args" || return 1
  echo "Inputs $tag (sha256 $fingerprint):"
  printf '%s\n' "$document"
}
