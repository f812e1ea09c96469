# shellcheck shell=bash
# The image workflow's size check. It never fails the build: a size above the
# threshold is a warning annotation, and the job summary records image, tag,
# digest, size and threshold either way.
#
# The size is the image's compressed size as stored in ECR (config and
# layers, `imageSizeInBytes` of the pushed digest): what the ECR console
# shows and every pull downloads, the same whatever builder or local image
# store produced it. A local engine's figure is not that: BuildKit pushes
# without loading the image at all, and with the containerd image store
# `docker image inspect`'s `Size` is the compressed content or content plus
# unpacked snapshot, depending on the Docker version.
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html

# shellcheck source=image-build/ecr.sh
source "${BASH_SOURCE[0]%/*}/ecr.sh"

# size_human BYTES: e.g. `2.51 GB`, `840 MB`.
size_human() {
  awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else printf "%.0f MB", b / 1e6 }'
}

# size_printable FILE: what the AWS CLI said, as one line that cannot start a workflow command.
size_printable() {
  { grep -m1 . "$1" || true; } | cut -c1-500 | tr -d '\n' | tr -c 'A-Za-z0-9._/ +@=,:(){}\047-' '?'
}

# size_report PLATFORM DIGEST: the check of one image: IMAGE_REPOSITORY:IMAGE_TAG
# as a whole when PLATFORM is empty, else its PLATFORM image (DIGEST), which
# then heads its warning, its line of the log and its section of the summary.
size_report() {
  local platform=$1 digest=$2 image="$IMAGE_REPOSITORY:$IMAGE_TAG" size="" reason="" errors answer size_text
  local title="" prefix="" heading=$IMAGE_REPOSITORY
  [[ -z "$platform" ]] || title=" ($platform)" prefix="$platform: " heading=$platform

  errors=$(mktemp)
  if [[ -z "$digest" ]]; then
    reason="the push step reported no digest"
  elif answer=$(aws ecr describe-images --registry-id "$ECR_REGISTRY_ID" --region "$ECR_REGION" \
      --repository-name "$ECR_REPOSITORY" --image-ids "imageDigest=$digest" --output json \
      "${ecr_timeouts[@]}" 2>"$errors"); then
    size=$(jq -r '.imageDetails[0].imageSizeInBytes // empty' <<<"$answer" 2>/dev/null || true)
    if [[ ! "$size" =~ ^[0-9]+$ ]]; then
      size=""
      reason="ECR's answer has no imageSizeInBytes for the digest"
    fi
  else
    reason="ECR did not answer: $(size_printable "$errors")"
  fi
  rm -f "$errors"

  if [[ -z "$size" ]]; then
    echo "::warning title=Image size unknown$title::${prefix}could not read the compressed size in ECR of $image ($reason)"
    size_text="unknown"
  elif (( size > SIZE_THRESHOLD_BYTES )); then
    size_text=$(size_human "$size")
    echo "::warning title=Image size$title::$prefix$image is $size_text (compressed size in ECR), above the $SIZE_THRESHOLD threshold"
  else
    size_text=$(size_human "$size")
    echo "$prefix$image is $size_text (compressed size in ECR), within the $SIZE_THRESHOLD threshold"
  fi
  {
    echo "### $heading"
    echo
    echo "| Image | Tag | Digest | Compressed size in ECR | Threshold |"
    echo "|---|---|---|---|---|"
    echo "| \`$IMAGE_REPOSITORY\` | \`$IMAGE_TAG\` | \`${digest:-unknown}\` | $size_text${size:+ ($size bytes)} | $SIZE_THRESHOLD |"
  } >> "$GITHUB_STEP_SUMMARY"
}

# The step. Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, ECR_REGISTRY_ID,
# ECR_REGION, ECR_REPOSITORY, SIZE_THRESHOLD_BYTES and SIZE_THRESHOLD; needs
# the AWS CLI and jq, both on GitHub's runners.
size_step() {
  size_report "" "${IMAGE_DIGEST:-}"
  return 0
}

# The step of an image of several platforms: `size_report` of each platform's
# image, so that each platform has its size, its warning and its section.
# Reads what `size_step` reads, with CHILDREN instead of IMAGE_DIGEST: the
# index's `platform@digest` words, as the reuse and merge steps output them.
platform_sizes_step() {
  local child children=()
  # Every word, on whatever line: none goes unchecked.
  read -r -a children <<<"$(tr -s '\r\n' '  ' <<<"${CHILDREN:-}")"
  if (( ${#children[@]} == 0 )); then
    echo "::warning title=Image size unknown::could not read the compressed sizes in ECR of $IMAGE_REPOSITORY:$IMAGE_TAG (the index's step reported no platform)"
    return 0
  fi
  for child in "${children[@]}"; do
    if index_child_valid "${child%%@*}" "${child#*@}"; then
      size_report "${child%%@*}" "${child#*@}"
    else
      echo "::warning title=Image size unknown::could not read the compressed size in ECR of $IMAGE_REPOSITORY:$IMAGE_TAG: $(printf '%q' "${child:0:120}") is no platform@digest"
    fi
  done
  return 0
}
