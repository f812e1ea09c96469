# shellcheck shell=bash
# The tag rules, shared by the image workflow's tag and release steps and the
# local tasks so both answer the same question the same way. No value is ever
# evaluated: inputs arrive as arguments and are only compared.
#
# Each tag is bound to the ref that may write it (README, "Tagging strategy"):
# `latest` only from the latest branch, `<branch>-*` only from its snapshot
# branch, a release tag only from a commit in the latest branch's history, a
# git tag ref only its own name. Every refusal is one line, before the job
# asks for AWS credentials.

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"
# shellcheck source=image-build/outputs.sh
source "${BASH_SOURCE[0]%/*}/outputs.sh"

# tag_refused MESSAGE: one workflow-command error line.
tag_refused() {
  printf '::error title=Tag not allowed from this ref::%s\n' "$1" >&2
}

# resolve_tag EVENT REF_TYPE REF_NAME SHA REQUESTED: prints the image tag the
# trigger publishes, or refuses the trigger. REQUESTED (a dispatch's `tag`
# input) counts for a dispatch only.
resolve_tag() {
  local event=$1 ref_type=$2 ref_name=$3 sha=$4 requested=$5 i
  case "$event" in
    push) requested="" ;;
    workflow_dispatch) ;;
    *)
      printf '::error title=No tag rule::event %q is not a push or a dispatch\n' "$event" >&2
      return 1 ;;
  esac
  if [[ "$ref_type" == tag ]]; then
    release_ref_tag "$ref_name" "$requested"
    return
  fi
  if [[ "$ref_name" == "$image_build_latest_branch" ]]; then
    latest_branch_tag "$requested"
    return
  fi
  for i in "${!image_build_snapshot_branches[@]}"; do
    if [[ "$ref_name" == "${image_build_snapshot_branches[i]}" ]]; then
      snapshot_branch_tag "$ref_name" "${image_build_snapshot_prefixes[i]}" "${sha:0:7}" "$requested"
      return
    fi
  done
  tag_refused "$(printf 'branch %q publishes no image: only %s' "$ref_name" "$(publishing_refs)")"
  return 1
}

# The refs that publish, as the refusals name them.
publishing_refs() {
  local i refs="$image_build_latest_branch ($image_build_latest_tag or a dispatch's tag)"
  for i in "${!image_build_snapshot_branches[@]}"; do
    refs+=", ${image_build_snapshot_branches[i]} (${image_build_snapshot_prefixes[i]}<sha7>)"
  done
  printf '%s and git tags %s on commits of %s do; merge into one of them\n' "$refs" "$image_build_release_tag_pattern" "$image_build_latest_branch"
}

# A git tag ref (pushed, or a dispatch on it) publishes its own name, if it is a release tag.
release_ref_tag() {
  local name=$1 requested=$2
  if ! is_release_tag "$name"; then
    tag_refused "$(printf 'git tag %q is not a release tag (%s), the only git tags that publish: tag a commit of %s %s' \
      "$name" "$image_build_release_tag_pattern" "$image_build_latest_branch" "$image_build_release_tag_pattern")"
    return 1
  fi
  if [[ -n "$requested" && "$requested" != "$name" ]]; then
    tag_refused "$(printf 'a dispatch on git tag %q publishes %q, not %q: leave the tag input empty, or dispatch on %s with that tag' \
      "$name" "$name" "$requested" "$image_build_latest_branch")"
    return 1
  fi
  printf '%s\n' "$name"
}

# The latest branch publishes latest, or a dispatch's tag unless a snapshot branch owns it.
latest_branch_tag() {
  local requested=$1 i
  for i in "${!image_build_snapshot_prefixes[@]}"; do
    if tag_matches "$requested" "${image_build_snapshot_prefixes[i]}*"; then
      tag_refused "$(printf '%q is a %s tag, published only from %s: dispatch on %s, or choose another tag' \
        "$requested" "${image_build_snapshot_branches[i]}" "${image_build_snapshot_branches[i]}" "${image_build_snapshot_branches[i]}")"
      return 1
    fi
  done
  printf '%s\n' "${requested:-$image_build_latest_tag}"
}

# A snapshot branch publishes only tags of its own prefix: <prefix><sha7> unless a dispatch names another.
snapshot_branch_tag() {
  local branch=$1 prefix=$2 sha7=$3 requested=$4 why
  if [[ -z "$requested" ]]; then
    printf '%s%s\n' "$prefix" "$sha7"
    return 0
  fi
  if tag_matches "$requested" "$prefix*"; then
    printf '%s\n' "$requested"
    return 0
  fi
  why="$branch publishes only $prefix* tags"
  if [[ "$requested" == "$image_build_latest_tag" ]]; then
    why="$image_build_latest_tag is published only from $image_build_latest_branch"
  elif is_release_tag "$requested"; then
    why="release tags ($image_build_release_tag_pattern) are published only from $image_build_latest_branch's history"
  fi
  tag_refused "$(printf '%q from %s: %s; leave the tag input empty for %s%s, or dispatch on %s' \
    "$requested" "$branch" "$why" "$prefix" "$sha7" "$image_build_latest_branch")"
  return 1
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

# is_release_tag TAG: whether TAG matches the release tag pattern.
is_release_tag() {
  tag_matches "$1" "$image_build_release_tag_pattern"
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
  step_output tag "$tag" || return 1
  echo "Image tag: $tag"
}

# The workflow's commit time step: outputs `created`, the checked-out commit's
# time (strict ISO 8601), so rebuilding a commit labels the image the same.
commit_time_step() {
  local created pattern='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$'
  created=$(git log -1 --format=%cI HEAD) || return 1
  if [[ ! "$created" =~ $pattern ]]; then
    printf '::error title=Commit time::git gave %q, not an ISO 8601 time\n' "$created" >&2
    return 1
  fi
  step_output created "$created"
}

# The workflow's release step: a release tag (IMAGE_TAG, from the tag step)
# publishes only a commit of the latest branch's history. A dispatch on that
# branch runs at its tip; from a git tag ref, the checkout holds the whole
# history and every branch (fetch-depth 0) and `git merge-base` decides. A
# shallow checkout could not tell, so it fails instead of guessing.
release_on_main_step() {
  local main="refs/remotes/origin/$image_build_latest_branch" commit status=0
  if ! is_release_tag "$IMAGE_TAG"; then
    echo "Tag $IMAGE_TAG is not a release tag ($image_build_release_tag_pattern): nothing to check"
    return 0
  fi
  if [[ "$GITHUB_REF_TYPE" == branch && "$GITHUB_REF_NAME" == "$image_build_latest_branch" ]]; then
    echo "Release $IMAGE_TAG runs on $image_build_latest_branch itself"
    return 0
  fi
  commit=$(git rev-parse --verify --quiet 'HEAD^{commit}') || commit=""
  if [[ -z "$commit" || "$(git rev-parse --is-shallow-repository)" != false ]] \
      || ! git rev-parse --verify --quiet "$main^{commit}" >/dev/null; then
    printf '::error title=Cannot check the release::the checkout lacks the history of %s (%s), so %s cannot be checked: check out with fetch-depth 0\n' \
      "$image_build_latest_branch" "$main" "$IMAGE_TAG" >&2
    return 1
  fi
  git merge-base --is-ancestor "$commit" "$main" || status=$?
  if (( status == 0 )); then
    echo "Release $IMAGE_TAG: commit $commit is in the history of $image_build_latest_branch"
    return 0
  fi
  if (( status == 1 )); then
    printf '::error title=Release tag off %s::%s points to commit %s, which is not in the history of %s: merge it into %s, tag a commit of %s, and delete this tag (git push --delete origin %s)\n' \
      "$image_build_latest_branch" "$IMAGE_TAG" "$commit" "$image_build_latest_branch" "$image_build_latest_branch" "$image_build_latest_branch" "$IMAGE_TAG" >&2
  fi
  return 1
}
