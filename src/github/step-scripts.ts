import type { TagPolicy } from '../declaration/tagging';
import { renderTagFunctions } from '../shell/tag-functions';

/**
 * The small bash scripts of the image workflow's `run:` steps. Each reads what
 * it needs from the environment, never from `${{ }}` expressions, so a value
 * can never become code.
 */

/** Folders of pre-installed toolchains that image builds never use. */
export const RUNNER_BLOAT = [
  '/usr/share/dotnet',
  '/usr/local/lib/android',
  '/opt/ghc',
  '/opt/hostedtoolcache/CodeQL',
];

export function renderFreeDiskScript(): string {
  return [
    'echo "Free space before:"',
    'df -h /',
    `sudo rm -rf ${RUNNER_BLOAT.join(' ')}`,
    'docker image prune --all --force',
    'echo "Free space after:"',
    'df -h /',
    '',
  ].join('\n');
}

/**
 * The workflow step: reads the event from the runner's environment and the
 * dispatch input from `REQUESTED_TAG`, set through `env:`.
 */
export function renderCiTagScript(policy: TagPolicy): string {
  return [
    'set -euo pipefail',
    renderTagFunctions(policy),
    '',
    'tag=$(resolve_tag "$GITHUB_EVENT_NAME" "$GITHUB_REF_TYPE" "$GITHUB_REF_NAME" "$GITHUB_SHA" "${REQUESTED_TAG:-}")',
    'check_tag "$tag"',
    'echo "tag=$tag" >> "$GITHUB_OUTPUT"',
    'echo "Image tag: $tag"',
    '',
  ].join('\n');
}
