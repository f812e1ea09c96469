import * as github from 'projen/lib/github';

/**
 * A third-party action pinned to the full commit SHA of one release.
 *
 * Workflows reference the commit, never the tag: organisations can require
 * SHA pins, and a tag can be moved to other code after review. The release
 * tag is written next to the reference as a YAML comment,
 * `uses: actions/checkout@<sha> # v7.0.1`, the format Renovate's and
 * Dependabot's `github-actions` managers read to propose the next bump.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
 */
export class PinnedAction {
  /**
   * @param action `owner/repo`, e.g. `actions/checkout`
   * @param commit the full 40-character commit SHA the release tag points to
   * @param version the release tag, e.g. `v7.0.1`
   */
  public static of(action: string, commit: string, version: string): PinnedAction {
    return new PinnedAction(action, commit, version);
  }

  private constructor(
    /** `owner/repo`. */
    public readonly action: string,
    /** The full commit SHA. */
    public readonly commit: string,
    /** The release tag the commit belongs to, e.g. `v7.0.1`. */
    public readonly version: string,
  ) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(action)) {
      throw new Error(`action '${action}' must be 'owner/repo', e.g. 'actions/checkout'`);
    }
    if (!/^[0-9a-f]{40}$/.test(commit)) {
      throw new Error(`commit '${commit}' of ${action} must be a full 40-character commit SHA: a tag or short SHA can be moved or collide`);
    }
    if (!/^v\d+\.\d+\.\d+$/.test(version)) {
      throw new Error(`version '${version}' of ${action} must be the release tag, e.g. 'v7.0.1'`);
    }
  }

  /** The reference a workflow's `uses:` carries: `owner/repo@<sha>`. */
  public get ref(): string {
    return `${this.action}@${this.commit}`;
  }
}

/**
 * Every third-party action the generated workflows use, in one place, so a
 * version bump is one reviewed change (README, "Pinning actions"). That
 * includes the actions of projen's own build workflow: `useActionTable()`
 * routes them through this table too.
 *
 * Each is the newest release of the action's newest major, which runs on
 * Node 24 (GitHub's runners no longer provide Node 20).
 */
export const ACTIONS = {
  /** @see https://github.com/actions/checkout */
  checkout: PinnedAction.of('actions/checkout', '3d3c42e5aac5ba805825da76410c181273ba90b1', 'v7.0.1'),
  /** @see https://github.com/aws-actions/configure-aws-credentials */
  configureAwsCredentials: PinnedAction.of('aws-actions/configure-aws-credentials', 'e6de054238d6b7531b4efff3b6587d9aade6a06c', 'v6.2.3'),
  /** @see https://github.com/aws-actions/amazon-ecr-login */
  amazonEcrLogin: PinnedAction.of('aws-actions/amazon-ecr-login', '03f1aad4c6c7ffd436567f42f9384779290529bd', 'v2.1.7'),
  /** @see https://github.com/docker/build-push-action */
  buildPush: PinnedAction.of('docker/build-push-action', '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', 'v7.3.0'),
  /** The BuildKit builder the image build and its smoke test run on. @see https://github.com/docker/setup-buildx-action */
  setupBuildx: PinnedAction.of('docker/setup-buildx-action', '37fe631027851001ddb9b187196cc803df7f5f0e', 'v4.3.0'),
  /** Used by projen's build workflow. @see https://github.com/actions/setup-node */
  setupNode: PinnedAction.of('actions/setup-node', '820762786026740c76f36085b0efc47a31fe5020', 'v7.0.0'),
} as const;

/** The reference a workflow writes, after projen's overrides. */
export function actionRef(gh: github.GitHub, action: keyof typeof ACTIONS): string {
  return gh.actions.get(ACTIONS[action].ref);
}

/**
 * Makes every workflow of the project, projen's included, use the commits in
 * `ACTIONS`, unless an override for that action is already set.
 */
export function useActionTable(gh: github.GitHub): void {
  for (const pin of Object.values(ACTIONS)) {
    if (gh.actions.get(pin.action) === pin.action) {
      gh.actions.set(pin.action, pin.ref);
    }
  }
}

/** The release tag of each reference in `ACTIONS`, for the comment after `uses:`. */
export function pinnedVersions(): ReadonlyMap<string, string> {
  return new Map(Object.values(ACTIONS).map((pin) => [pin.ref, pin.version]));
}
