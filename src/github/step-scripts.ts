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
 * Switches the runner's Docker daemon to the containerd image store.
 *
 * Why this arrangement: with the containerd image store the default `docker`
 * build driver can export a registry cache, and the image it builds lands
 * directly in the daemon's store. A `docker-container` builder could export the
 * cache too, but would have to load the multi-GB image back into the daemon
 * (tarball export and import) before `docker run` can test it. Here the build
 * is tested and pushed where it was built: no load, no second copy on disk.
 *
 * @see https://docs.docker.com/build/builders/drivers/
 */
export function renderContainerdStoreScript(): string {
  return [
    'if docker info --format \'{{json .DriverStatus}}\' | grep -q io.containerd.snapshotter; then',
    '  echo "containerd image store already enabled"',
    '  exit 0',
    'fi',
    'config=/etc/docker/daemon.json',
    'current=$(sudo cat "$config" 2>/dev/null || echo \'{}\')',
    'jq \'.features["containerd-snapshotter"] = true\' <<<"$current" | sudo tee "$config" >/dev/null',
    'sudo systemctl restart docker',
    'docker info --format \'Storage driver: {{.Driver}} {{json .DriverStatus}}\'',
    '',
  ].join('\n');
}

export function renderSmokeTestScript(command: readonly string[]): string {
  const [python, flag, code] = command;
  return `docker run --rm "$IMAGE_REPOSITORY:$IMAGE_TAG" ${python} ${flag} "${code}"\n`;
}

export function renderPushScript(): string {
  return [
    'docker push "$IMAGE_REPOSITORY:$IMAGE_TAG"',
    'digest=$(docker image inspect --format \'{{range .RepoDigests}}{{println .}}{{end}}\' "$IMAGE_REPOSITORY:$IMAGE_TAG" | grep -m1 "^$IMAGE_REPOSITORY@" || true)',
    'echo "digest=${digest#*@}" >> "$GITHUB_OUTPUT"',
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
