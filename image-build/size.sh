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

# The step. Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, ECR_REGISTRY_ID,
# ECR_REGION, ECR_REPOSITORY, SIZE_THRESHOLD_BYTES and SIZE_THRESHOLD; needs
# the AWS CLI and jq, both on GitHub's runners.
size_step() {
  local image="$IMAGE_REPOSITORY:$IMAGE_TAG" size="" reason="" errors answer size_text

  errors=$(mktemp)
  if [[ -z "${IMAGE_DIGEST:-}" ]]; then
    reason="the push step reported no digest"
  elif answer=$(aws ecr describe-images --registry-id "$ECR_REGISTRY_ID" --region "$ECR_REGION" \
      --repository-name "$ECR_REPOSITORY" --image-ids "imageDigest=$IMAGE_DIGEST" --output json \
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
    echo "::warning title=Image size unknown::could not read the compressed size in ECR of $image ($reason)"
    size_text="unknown"
  elif (( size > SIZE_THRESHOLD_BYTES )); then
    size_text=$(size_human "$size")
    echo "::warning title=Image size::$image is $size_text (compressed size in ECR), above the $SIZE_THRESHOLD threshold"
  else
    size_text=$(size_human "$size")
    echo "$image is $size_text (compressed size in ECR), within the $SIZE_THRESHOLD threshold"
  fi
  {
    echo "### $IMAGE_REPOSITORY"
    echo
    echo "| Image | Tag | Digest | Compressed size in ECR | Threshold |"
    echo "|---|---|---|---|---|"
    echo "| \`$IMAGE_REPOSITORY\` | \`$IMAGE_TAG\` | \`${IMAGE_DIGEST:-unknown}\` | $size_text${size:+ ($size bytes)} | $SIZE_THRESHOLD |"
  } >> "$GITHUB_STEP_SUMMARY"
  return 0
}
