import { ECR_CONNECT_TIMEOUT_SECONDS, ECR_READ_TIMEOUT_SECONDS } from './size-script';
import { renderFingerprintFunctions } from '../shell/fingerprint';
import { quote } from '../shell/quote';
import { renderRegistryFunctions } from '../shell/registry-functions';

/**
 * The step that names the image by its inputs: it prints the fingerprint's
 * document (why an image rebuilt is then one diff away) and writes the
 * `fingerprint` and the inputs `tag` as outputs.
 *
 * Reads IMAGE_PLATFORM; `inputs` are the paths after the platform, as
 * `fingerprintArguments` gives them.
 */
export function renderInputsScript(inputs: readonly string[]): string {
  const args = ['"$IMAGE_PLATFORM"', ...inputs.map(quote)].join(' ');
  return [
    'set -euo pipefail',
    renderFingerprintFunctions(),
    '',
    // The document once: it is hashed and printed, as `inputs_fingerprint` hashes it.
    `document=$(inputs_document ${args})`,
    'fingerprint=$(printf \'%s\\n\' "$document" | inputs_sha256)',
    'tag=$(inputs_tag "$fingerprint")',
    'echo "fingerprint=$fingerprint" >> "$GITHUB_OUTPUT"',
    'echo "tag=$tag" >> "$GITHUB_OUTPUT"',
    'echo "Inputs $tag (sha256 $fingerprint):"',
    'printf \'%s\\n\' "$document"',
    '',
  ].join('\n');
}

/**
 * The step that reuses an image built before from the same inputs: when the
 * registry has the inputs tag, it puts the wanted tag on that very image,
 * copying its manifest's bytes (the digest stays), and nothing is built,
 * tested or pushed. Outputs `promoted` (`true` when it promoted), `digest`
 * and `built_from`, the commit the image was built from.
 *
 * A forced rebuild (REBUILD `true`) skips the lookup. The registry functions
 * speak the registry API with a token from `aws ecr get-login-password`,
 * masked in the log; a promotion onto an immutable tag that already names
 * another image fails with both digests, onto the same image it writes
 * nothing.
 *
 * Reads IMAGE_TAG, INPUTS_TAG, REBUILD, ECR_REGISTRY (the host), ECR_REPOSITORY
 * and ECR_REGION.
 */
export function renderReuseScript(): string {
  return [
    'set -euo pipefail',
    renderRegistryFunctions(),
    '',
    'if [[ "${REBUILD:-false}" == true ]]; then',
    '  echo "Rebuild requested: building, whether or not $INPUTS_TAG exists"',
    '  exit 0',
    'fi',
    `password=$(aws ecr get-login-password --region "$ECR_REGION" --cli-connect-timeout ${ECR_CONNECT_TIMEOUT_SECONDS} --cli-read-timeout ${ECR_READ_TIMEOUT_SECONDS})`,
    'echo "::add-mask::$password"',
    'export REGISTRY_USERNAME=AWS REGISTRY_PASSWORD=$password',
    'status=0',
    'manifest_digest "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INPUTS_TAG" >/dev/null || status=$?',
    'if (( status == 1 )); then',
    '  echo "No image of these inputs yet ($INPUTS_TAG): building it"',
    '  exit 0',
    'fi',
    '(( status == 0 )) || exit 1',
    'digest=$(promote_image "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INPUTS_TAG" "$IMAGE_TAG")',
    // Only for the summary: an image without the label is promoted all the same.
    'built_from=$(image_revision "$ECR_REGISTRY" "$ECR_REPOSITORY" "$digest") || built_from=""',
    '{',
    '  echo "promoted=true"',
    '  echo "digest=$digest"',
    '  echo "built_from=$built_from"',
    '} >> "$GITHUB_OUTPUT"',
    'echo "Promoted $digest ($INPUTS_TAG${built_from:+, built from $built_from}) to $IMAGE_TAG: nothing to build"',
    '',
  ].join('\n');
}

/**
 * The job summary's account of where the image came from: promoted from an
 * earlier build of the same inputs, with a link to the commit it was built
 * from, or built by this run.
 *
 * Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, INPUTS_TAG, PROMOTED,
 * BUILT_FROM and REBUILD, and the runner's GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY and GITHUB_SHA.
 */
export function renderOriginSummaryScript(): string {
  return [
    'set -euo pipefail',
    // The label is data from the registry: only a commit hash reaches the summary.
    'commit_link() {',
    '  local pattern=\'^[0-9a-f]{40}$\'',
    '  if [[ "$1" =~ $pattern ]]; then',
    '    printf \'[%s](%s/%s/commit/%s)\' "${1:0:7}" "$GITHUB_SERVER_URL" "$GITHUB_REPOSITORY" "$1"',
    '  else',
    '    printf \'an unknown commit\'',
    '  fi',
    '}',
    'image="\\`$IMAGE_REPOSITORY:$IMAGE_TAG\\`"',
    'requested=""',
    '[[ "${REBUILD:-}" != true ]] || requested=" (a rebuild was requested)"',
    'if [[ "${PROMOTED:-}" == true ]]; then',
    '  line="Promoted \\`$IMAGE_DIGEST\\` built from $(commit_link "${BUILT_FROM:-}") to $image: its inputs (\\`$INPUTS_TAG\\`) were built before, so nothing was built or pushed."',
    'else',
    '  line="Built \\`$IMAGE_DIGEST\\` from $(commit_link "$GITHUB_SHA") and pushed it as $image and \\`$INPUTS_TAG\\`$requested."',
    'fi',
    'echo "$line"',
    '{ echo; echo "$line"; } >> "$GITHUB_STEP_SUMMARY"',
    '',
  ].join('\n');
}
