# shellcheck shell=bash
# The tag rules, shared by the image workflow's tag step and the local tasks so
# both answer the same question the same way. No value is ever evaluated:
# inputs arrive as arguments and are only compared.

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"

# resolve_tag EVENT REF_TYPE REF_NAME SHA REQUESTED: prints the image tag.
resolve_tag() {
  local event=$1 ref_type=$2 ref_name=$3 sha=$4 requested=$5 i branches
  case "$event" in
    workflow_dispatch)
      printf '%s\n' "${requested:-$image_build_latest_tag}" ;;
    push)
      if [[ "$ref_type" == tag ]]; then
        printf '%s\n' "$ref_name"
        return 0
      fi
      if [[ "$ref_name" == "$image_build_latest_branch" ]]; then
        printf '%s\n' "$image_build_latest_tag"
        return 0
      fi
      for i in "${!image_build_snapshot_branches[@]}"; do
        if [[ "$ref_name" == "${image_build_snapshot_branches[i]}" ]]; then
          printf '%s%s\n' "${image_build_snapshot_prefixes[i]}" "${sha:0:7}"
          return 0
        fi
      done
      branches=$(printf ', %s' "$image_build_latest_branch" "${image_build_snapshot_branches[@]}")
      printf '::error title=No tag rule::branch %q has no tagging rule; push to %s or dispatch with a tag\n' \
        "$ref_name" "${branches:2}" >&2
      return 1 ;;
    *)
      printf '::error title=No tag rule::event %q is not a push or a dispatch\n' "$event" >&2
      return 1 ;;
  esac
}

# check_tag TAG: rejects anything Docker would not accept as a tag, and the
# tags the workflows reserve for themselves (the build caches, inputs tags).
check_tag() {
  local i
  if [[ ! "$1" =~ $image_build_docker_tag_pattern ]]; then
    # %q prints the value escaped on one line: it can neither run nor start a workflow command.
    printf '::error title=Invalid image tag::%q is not a valid Docker tag: use 1 to 128 letters, digits, "_", "." or "-", starting with a letter, digit or "_" (e.g. v2.0.0)\n' "$1" >&2
    return 1
  fi
  for i in "${!image_build_reserved_tag_patterns[@]}"; do
    if [[ "$1" =~ ${image_build_reserved_tag_patterns[i]} ]]; then
      printf '::error title=Reserved image tag::%q is reserved for %s: choose another tag (e.g. v2.0.0)\n' \
        "$1" "${image_build_reserved_tag_purposes[i]}" >&2
      return 1
    fi
  done
}

# tag_matches TAG GLOB...: whether TAG matches one of the globs (`*`: any characters).
tag_matches() {
  local glob
  for glob in "${@:2}"; do
    # shellcheck disable=SC2053 # the glob is the point: declared tag patterns
    [[ "$1" != $glob ]] || return 0
  done
  return 1
}

# is_ci_tag TAG: whether CI pushes tags of this form: latest, a snapshot tag or a release tag.
is_ci_tag() {
  tag_matches "$1" "$image_build_latest_tag" "${image_build_snapshot_prefixes[@]/%/*}" "$image_build_release_tag_pattern"
}

# is_moving_tag TAG: whether a later run of the workflows moves the tag again,
# the only tags ECR lets move (`ecr:ensure`).
is_moving_tag() {
  tag_matches "$1" "${image_build_moving_tag_globs[@]}"
}

# The workflow's tag step: the event from the runner, the dispatch input from
# REQUESTED_TAG; outputs `tag`.
tag_step() {
  local tag
  tag=$(resolve_tag "$GITHUB_EVENT_NAME" "$GITHUB_REF_TYPE" "$GITHUB_REF_NAME" "$GITHUB_SHA" "${REQUESTED_TAG:-}") || return 1
  check_tag "$tag" || return 1
  echo "tag=$tag" >> "$GITHUB_OUTPUT"
  echo "Image tag: $tag"
}
