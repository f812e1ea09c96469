/** Seconds the AWS CLI waits to connect to ECR and for its answer; with its retries, the step ends within about two minutes. */
export const ECR_CONNECT_TIMEOUT_SECONDS = 10;
export const ECR_READ_TIMEOUT_SECONDS = 30;
/** Attempts of the AWS CLI's standard retry mode, first try included. */
export const ECR_MAX_ATTEMPTS = 3;

/**
 * The size check step. It never fails the build: a size above the threshold is
 * a warning annotation, and the job summary records image, tag, digest, size
 * and threshold either way.
 *
 * The size is the image's compressed size as stored in ECR (config and
 * layers, `imageSizeInBytes` of the pushed digest): what the ECR console
 * shows and every pull downloads, the same whatever builder or local image
 * store produced it. A local engine's figure is not that: BuildKit pushes
 * without loading the image at all, and with the containerd image store
 * `docker image inspect`'s `Size` is the compressed content or content plus
 * unpacked snapshot, depending on the Docker version.
 *
 * Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, ECR_REGISTRY_ID,
 * ECR_REGION, ECR_REPOSITORY, SIZE_THRESHOLD_BYTES and SIZE_THRESHOLD from the
 * environment; needs the AWS CLI and jq, both on GitHub's runners.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html
 */
export function renderSizeScript(): string {
  return [
    'set -uo pipefail',
    'image="$IMAGE_REPOSITORY:$IMAGE_TAG"',
    'human() { awk -v b="$1" \'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else printf "%.0f MB", b / 1e6 }\'; }',
    // What the AWS CLI said, as one line that cannot start a workflow command.
    'printable() { { grep -m1 . "$1" || true; } | cut -c1-500 | tr -d \'\\n\' | tr -c \'A-Za-z0-9._/ +@=,:(){}\\047-\' \'?\'; }',
    '',
    'size=""',
    'reason=""',
    'errors=$(mktemp)',
    'if [[ -z "${IMAGE_DIGEST:-}" ]]; then',
    '  reason="the push step reported no digest"',
    'elif answer=$(aws ecr describe-images --registry-id "$ECR_REGISTRY_ID" --region "$ECR_REGION" \\',
    '    --repository-name "$ECR_REPOSITORY" --image-ids "imageDigest=$IMAGE_DIGEST" --output json \\',
    `    --cli-connect-timeout ${ECR_CONNECT_TIMEOUT_SECONDS} --cli-read-timeout ${ECR_READ_TIMEOUT_SECONDS} 2>"$errors"); then`,
    '  size=$(jq -r \'.imageDetails[0].imageSizeInBytes // empty\' <<<"$answer" 2>/dev/null || true)',
    '  if [[ ! "$size" =~ ^[0-9]+$ ]]; then',
    '    size=""',
    '    reason="ECR\'s answer has no imageSizeInBytes for the digest"',
    '  fi',
    'else',
    '  reason="ECR did not answer: $(printable "$errors")"',
    'fi',
    'rm -f "$errors"',
    '',
    'if [[ -z "$size" ]]; then',
    '  echo "::warning title=Image size unknown::could not read the compressed size in ECR of $image ($reason)"',
    '  size_text="unknown"',
    'elif (( size > SIZE_THRESHOLD_BYTES )); then',
    '  size_text=$(human "$size")',
    '  echo "::warning title=Image size::$image is $size_text (compressed size in ECR), above the $SIZE_THRESHOLD threshold"',
    'else',
    '  size_text=$(human "$size")',
    '  echo "$image is $size_text (compressed size in ECR), within the $SIZE_THRESHOLD threshold"',
    'fi',
    '{',
    '  echo "### $IMAGE_REPOSITORY"',
    '  echo',
    '  echo "| Image | Tag | Digest | Compressed size in ECR | Threshold |"',
    '  echo "|---|---|---|---|---|"',
    '  echo "| \\`$IMAGE_REPOSITORY\\` | \\`$IMAGE_TAG\\` | \\`${IMAGE_DIGEST:-unknown}\\` | $size_text${size:+ ($size bytes)} | $SIZE_THRESHOLD |"',
    '} >> "$GITHUB_STEP_SUMMARY"',
    'exit 0',
    '',
  ].join('\n');
}
