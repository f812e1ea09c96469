# shellcheck shell=bash
# The steps of an image built for several platforms: each platform is built
# natively in a job of its own and pushed under its own inputs tag (its
# fingerprint, which includes the platform), then one job merges the
# platforms' images into one OCI index under the index's inputs tag and the
# wanted tag.
#
# The index's fingerprint hashes the platforms' fingerprints: a change for one
# platform changes that platform's fingerprint and the index's, and only that
# platform builds again; the others reuse their image by its inputs tag.

# shellcheck source=image-build/fingerprint.sh
source "${BASH_SOURCE[0]%/*}/fingerprint.sh"
# shellcheck source=image-build/ecr.sh
source "${BASH_SOURCE[0]%/*}/ecr.sh"

# Bumped whenever the index document changes shape.
index_document_version=1

# index_document PLATFORMS DOCKERFILE BUILD_ARGS_FILE [PATH...]: one line per
# platform (PLATFORMS: one a line), in platform order, with its fingerprint.
index_document() (
  platforms=$1
  printf 'index-fingerprint %s\n' "$index_document_version"
  while IFS= read -r platform; do
    [[ -n "$platform" ]] || continue
    fingerprint=$(inputs_fingerprint "$platform" "${@:2}") || exit 1
    printf 'platform %s %s\n' "$platform" "$fingerprint"
  done < <(printf '%s\n' "$platforms" | LC_ALL=C sort -u)
)

# The index's fingerprint step: IMAGE_PLATFORMS (the workflow's `platforms`
# input, a JSON array of objects with a `platform`; needs jq) and the
# variables `inputs_step` reads. Prints the document and outputs the index's
# inputs `tag` and `child_tags`, each platform's inputs tag in platform order
# (tags only: letters, digits and '-', safe on one output line).
index_inputs_step() {
  local document fingerprint tag child_tags=() platform child platforms
  platforms=$(jq -r '.[].platform | strings' <<<"$IMAGE_PLATFORMS" 2>/dev/null) || platforms=""
  if [[ -z "$platforms" ]]; then
    inputs_error 'IMAGE_PLATFORMS is not a JSON array of {"platform": "OS/ARCH"} objects'
    return 1
  fi
  inputs_read_copied
  document=$(index_document "$platforms" "$IMAGE_DOCKERFILE" "$IMAGE_BUILD_ARGS_FILE" "${inputs_copied[@]}" "$CONTEXT_IGNORE") || return 1
  fingerprint=$(printf '%s\n' "$document" | inputs_sha256) || return 1
  tag=$(inputs_tag "$fingerprint") || return 1
  while read -r _ platform child; do
    child_tags+=("$(inputs_tag "$child")") || return 1
    echo "Platform $platform: ${child_tags[-1]}"
  done < <(printf '%s\n' "$document" | sed 1d)
  step_output fingerprint "$fingerprint" && step_output tag "$tag" && step_output child_tags "${child_tags[*]}" || return 1
  echo "Index inputs $tag (sha256 $fingerprint):"
  printf '%s\n' "$document"
}

# One platform's fingerprint step: `inputs_step`, which hashes the paths that
# platform copies (see `platform_paths`).
platform_inputs_step() {
  inputs_step
}

# merge_index REGISTRY REPOSITORY INDEX_TAG IMAGE_TAG CHILD_TAG...: the index
# of the platforms' images (each found by its inputs tag) under INDEX_TAG,
# then promoted to IMAGE_TAG with its digest unchanged; prints the digest.
merge_index() {
  local registry=$1 repository=$2 index_tag=$3 image_tag=$4 child digests=() digest status
  for child in "${@:5}"; do
    status=0
    digest=$(manifest_digest "$registry" "$repository" "$child") || status=$?
    if (( status == 1 )); then
      registry_error "$registry/$repository:$child does not exist: its platform's build pushed no image"
    fi
    (( status == 0 )) || return 1
    digests+=("$digest")
  done
  put_index "$registry" "$repository" "$index_tag" "${digests[@]}" >/dev/null || return 1
  promote_image "$registry" "$repository" "$index_tag" "$image_tag"
}

# The merge step. Reads PLATFORM_TAGS (space-separated), INDEX_INPUTS_TAG, IMAGE_TAG,
# ECR_REGISTRY, ECR_REPOSITORY and ECR_REGION; outputs the index `digest` and
# its `children`, `platform@digest` words as the registry lists them, checked.
merge_index_step() {
  local password digest children=() listed platform child words=()
  read -r -a children <<<"$PLATFORM_TAGS"
  password=$(aws ecr get-login-password --region "$ECR_REGION" "${ecr_timeouts[@]}") || return 1
  echo "::add-mask::$password"
  export REGISTRY_USERNAME=AWS REGISTRY_PASSWORD=$password
  digest=$(merge_index "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INDEX_INPUTS_TAG" "$IMAGE_TAG" "${children[@]}") || return 1
  listed=$(index_children "$ECR_REGISTRY" "$ECR_REPOSITORY" "$digest") || return 1
  while read -r platform child; do
    index_child_valid "$platform" "$child" \
      || { registry_error "$(printf 'the index %s lists %q %q, not a platform with a sha256 digest' "$digest" "${platform:0:40}" "${child:0:80}")"; return 1; }
    words+=("$platform@$child")
  done <<<"$listed"
  step_output digest "$digest" && step_output children "${words[*]}" || return 1
  echo "Merged ${children[*]} into $digest, tagged $INDEX_INPUTS_TAG and $IMAGE_TAG"
}
