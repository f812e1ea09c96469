/**
 * The size check step. It never fails the build: a size above the threshold is
 * a warning annotation, and the job summary records image, tag, digest, size
 * and threshold either way.
 *
 * Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, SIZE_THRESHOLD_BYTES and
 * SIZE_THRESHOLD from the environment.
 */
export function renderSizeScript(): string {
  return [
    'set -uo pipefail',
    'image="$IMAGE_REPOSITORY:$IMAGE_TAG"',
    'human() { awk -v b="$1" \'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else printf "%.0f MB", b / 1e6 }\'; }',
    'size=$(docker image inspect --format \'{{.Size}}\' "$image" 2>/dev/null || true)',
    'if [[ ! "$size" =~ ^[0-9]+$ ]]; then',
    '  echo "::warning title=Image size unknown::could not read the size of $image from the engine"',
    '  size_text="unknown"',
    'elif (( size > SIZE_THRESHOLD_BYTES )); then',
    '  size_text=$(human "$size")',
    '  echo "::warning title=Image size::$image is $size_text, above the $SIZE_THRESHOLD threshold"',
    'else',
    '  size_text=$(human "$size")',
    '  echo "$image is $size_text, within the $SIZE_THRESHOLD threshold"',
    'fi',
    '{',
    '  echo "### $IMAGE_REPOSITORY"',
    '  echo',
    '  echo "| Image | Tag | Digest | Size | Threshold |"',
    '  echo "|---|---|---|---|---|"',
    '  echo "| \\`$IMAGE_REPOSITORY\\` | \\`$IMAGE_TAG\\` | \\`${IMAGE_DIGEST:-unknown}\\` | $size_text | $SIZE_THRESHOLD |"',
    '} >> "$GITHUB_STEP_SUMMARY"',
    'exit 0',
    '',
  ].join('\n');
}
