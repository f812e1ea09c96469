# shellcheck shell=bash
# The image workflow's steps that ask ECR: reuse an image of the same inputs,
# and refuse to move an immutable tag. Both run with the role's credentials and
# ask only the declared registry, with connect and read timeouts.

# shellcheck source=image-build/registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"
# shellcheck source=image-build/tags.sh
source "${BASH_SOURCE[0]%/*}/tags.sh"
# shellcheck source=image-build/outputs.sh
source "${BASH_SOURCE[0]%/*}/outputs.sh"

# Options of every AWS CLI call to ECR: with the CLI's retries, a step ends
# within about two minutes.
ecr_timeouts=(--cli-connect-timeout "$image_build_ecr_connect_timeout" --cli-read-timeout "$image_build_ecr_read_timeout")

# ecr_one_line TEXT: GitHub reads a workflow command up to the line end, so ECR's words go on one line.
ecr_one_line() {
  printf '%s' "$1" | tr -s '\r\n' '  ' | sed 's/^ *//; s/ *$//; s/%/%25/g'
}

# ci_revision REVISION: whether an image's revision label names a commit, as
# every CI build's does: 40 hex digits, nothing else. A laptop's build of
# uncommitted files says `<sha>-dirty`, and an image from elsewhere may say
# anything or nothing; such an image is never promoted.
ci_revision() {
  [[ "$1" =~ ^[0-9a-f]{40}$ ]]
}

# reuse_index_children INPUTS_TAG DIGEST CHILDREN: whether every child of the
# index DIGEST (CHILDREN: `index_children`'s lines) is a platform's image in the
# repository whose revision label is a commit CI built. Prints one line per
# child, `platform@digest commit`; otherwise one line saying which child is
# refused and why, and returns 1. Returns 2 when the registry could not tell.
reuse_index_children() {
  local source_tag=$1 digest=$2 platform child status revision checked=""
  while read -r platform child; do
    if ! index_child_valid "$platform" "$child"; then
      printf 'Not promoting %s (%s): its child %q %q is not a platform with a sha256 digest: building\n' \
        "$source_tag" "$digest" "${platform:0:40}" "${child:0:80}"
      return 1
    fi
    status=0
    manifest_digest "$ECR_REGISTRY" "$ECR_REPOSITORY" "$child" >/dev/null || status=$?
    if (( status == 1 )); then
      printf 'Not promoting %s (%s): its %s image %s is not in %s: building\n' "$source_tag" "$digest" "$platform" "$child" "$ECR_REPOSITORY"
      return 1
    fi
    (( status == 0 )) || return 2
    revision=$(image_revision "$ECR_REGISTRY" "$ECR_REPOSITORY" "$child") || revision=""
    if ! ci_revision "$revision"; then
      printf 'Not promoting %s (%s): the %s label of its %s image %s, %q, is not a commit CI built (40 hex digits): building\n' \
        "$source_tag" "$digest" "$image_build_revision_label" "$platform" "$child" "${revision:0:80}"
      return 1
    fi
    checked+="$platform@$child $revision"$'\n'
  done <<<"$3"
  printf '%s' "$checked"
}

# The image of the same inputs a promotion would take: when the registry has
# the inputs tag, sets `reuse_digest`, `reuse_built_from` (the commit the
# image was built from) and `reuse_children`, and returns 0; returns 2 when
# there is nothing to reuse (a forced rebuild, REBUILD `true`, skips the
# lookup; an image whose revision label is no commit, `ci_revision`, is built
# again, its label logged escaped, `%q`, on one line), 1 on an error.
# When the inputs tag names an index (an image of several platforms), every
# child must be in the repository with a label of a commit CI built
# (`reuse_index_children`), else the run builds; `reuse_built_from` is then
# its children's commits (one or more, space-separated) and `reuse_children`
# its `platform@digest` words. The login token is masked in the log. What the
# registry answered is data: the digest must be a sha256 digest before it
# reaches an output or the log.
#
# Reads INPUTS_TAG, REBUILD, ECR_REGISTRY (the host), ECR_REPOSITORY and ECR_REGION.
reuse_candidate() {
  local password status=0 digest_pattern='^sha256:[0-9a-f]{64}$' checked
  reuse_digest="" reuse_built_from="" reuse_children=""
  if [[ "${REBUILD:-false}" == true ]]; then
    echo "Rebuild requested: building, whether or not $INPUTS_TAG exists"
    return 2
  fi
  password=$(aws ecr get-login-password --region "$ECR_REGION" "${ecr_timeouts[@]}") || return 1
  echo "::add-mask::$password"
  export REGISTRY_USERNAME=AWS REGISTRY_PASSWORD=$password
  reuse_digest=$(manifest_digest "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INPUTS_TAG") || status=$?
  if (( status == 1 )); then
    echo "No image of these inputs yet ($INPUTS_TAG): building it"
    return 2
  fi
  (( status == 0 )) || return 1
  if [[ ! "$reuse_digest" =~ $digest_pattern ]]; then
    registry_error "$INPUTS_TAG resolved to no sha256 digest"
    return 1
  fi
  reuse_children=$(index_children "$ECR_REGISTRY" "$ECR_REPOSITORY" "$reuse_digest") || reuse_children=""
  if [[ -n "$reuse_children" ]]; then
    status=0
    checked=$(reuse_index_children "$INPUTS_TAG" "$reuse_digest" "$reuse_children") || status=$?
    if (( status == 1 )); then
      printf '%s\n' "$checked"
      return 2
    fi
    (( status == 0 )) || return 1
    reuse_children=$(cut -d ' ' -f 1 <<<"$checked" | paste -sd ' ')
    reuse_built_from=$(cut -d ' ' -f 2 <<<"$checked" | sort -u | paste -sd ' ')
    return 0
  fi
  reuse_built_from=$(image_revision "$ECR_REGISTRY" "$ECR_REPOSITORY" "$reuse_digest") || reuse_built_from=""
  if ! ci_revision "$reuse_built_from"; then
    # %q keeps a hostile label on one line, where it can start no workflow command.
    printf 'Not promoting %s (%s): its %s label %q is not a commit CI built (40 hex digits): building\n' \
      "$INPUTS_TAG" "$reuse_digest" "$image_build_revision_label" "${reuse_built_from:0:80}"
    return 2
  fi
}

# The step that finds, without promoting, the image a promotion would take,
# when provenance is enabled and its attestation is verified first: outputs
# `digest` and `built_from` when there is one (see `reuse_candidate`).
reuse_candidate_step() {
  local status=0
  reuse_candidate || status=$?
  (( status != 2 )) || return 0
  (( status == 0 )) || return 1
  step_output digest "$reuse_digest" && step_output built_from "$reuse_built_from" || return 1
  echo "Found $reuse_digest ($INPUTS_TAG, built from $reuse_built_from): its provenance is verified before it is promoted"
}

# The reuse step. When the registry has the inputs tag (`reuse_candidate`), it
# puts the wanted tag on that very image, copying its manifest's bytes (the
# digest stays), and nothing is built, tested or pushed. Outputs `promoted`
# (`true` when it promoted), `digest`, `built_from`, and for an index
# `children`. With VERIFIED_DIGEST (the digest whose provenance the step
# before verified), it promotes that digest only: an inputs tag moved since
# fails the job.
#
# Reads IMAGE_TAG, INPUTS_TAG, REBUILD, VERIFIED_DIGEST (optional), ECR_REGISTRY,
# ECR_REPOSITORY and ECR_REGION.
reuse_step() {
  local status=0 promoted digest built_from children
  reuse_candidate || status=$?
  (( status != 2 )) || return 0
  (( status == 0 )) || return 1
  digest=$reuse_digest built_from=$reuse_built_from children=$reuse_children
  if [[ -n "${VERIFIED_DIGEST:-}" && "$digest" != "$VERIFIED_DIGEST" ]]; then
    printf '::error title=Inputs tag moved::%s moved from %s, whose provenance was verified, to %s: run the job again\n' \
      "$INPUTS_TAG" "$VERIFIED_DIGEST" "$digest" >&2
    return 1
  fi
  promoted=$(promote_image "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INPUTS_TAG" "$IMAGE_TAG") || return 1
  if [[ "$promoted" != "$digest" ]]; then
    printf '::error title=Inputs tag moved::%s moved from %s to %s while it was promoted to %s: run the job again\n' \
      "$INPUTS_TAG" "$digest" "$promoted" "$IMAGE_TAG" >&2
    return 1
  fi
  step_output promoted true && step_output digest "$digest" && step_output built_from "$built_from" || return 1
  if [[ -n "$children" ]]; then
    step_output children "$children" || return 1
    echo "Every platform's image is in $ECR_REPOSITORY: $children"
  fi
  echo "Promoted $digest ($INPUTS_TAG${built_from:+, built from $built_from}) to $IMAGE_TAG: nothing to build"
}

# The step that refuses, before anything is built, a run whose tag already
# names an image in ECR and is immutable there (`ecr:ensure` makes every tag
# immutable except the ones the workflows move). ECR would refuse the push
# anyway, after the whole build, even for an identical image.
#
# Reads IMAGE_TAG (already checked by the tag step), ECR_REPOSITORY,
# ECR_REGISTRY_ID and ECR_REGION.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
immutable_tag_step() {
  local answer
  if is_moving_tag "$IMAGE_TAG"; then
    echo "Tag $IMAGE_TAG moves with later runs: nothing to check"
    return 0
  fi
  if answer=$(aws ecr describe-images --registry-id "$ECR_REGISTRY_ID" --region "$ECR_REGION" \
      --repository-name "$ECR_REPOSITORY" --image-ids "imageTag=$IMAGE_TAG" \
      --query 'imageDetails[0].imageDigest' --output text "${ecr_timeouts[@]}" 2>&1); then
    printf '::error title=Tag already in ECR::%s:%s already names image %s, and ECR never moves this tag: use a new tag (a new git tag, or dispatch with -f tag=<new tag>); to replace the image on purpose, delete the tag in ECR first\n' \
      "$ECR_REPOSITORY" "$IMAGE_TAG" "$(ecr_one_line "$answer")" >&2
    return 1
  fi
  case "$answer" in
    *"(ImageNotFoundException)"*)
      echo "Tag $IMAGE_TAG is new in $ECR_REPOSITORY; once pushed it names this image for good" ;;
    *"(RepositoryNotFoundException)"*)
      printf '::error title=Repository missing::%s does not exist in ECR account %s: run npx projen ecr:ensure\n' "$ECR_REPOSITORY" "$ECR_REGISTRY_ID" >&2
      return 1 ;;
    *)
      printf '::error title=Cannot check the tag::could not ask ECR whether %s:%s exists: %s\n' "$ECR_REPOSITORY" "$IMAGE_TAG" "$(ecr_one_line "$answer")" >&2
      return 1 ;;
  esac
}
