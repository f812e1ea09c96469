import * as github from 'projen/lib/github';
import { PINS_LOCK_FILE, PinsLock, UPGRADE_PINS_FIX } from '../pins/lock-file';

/**
 * A third-party action the workflows use, as intent: the repository and the
 * major release line. The lock (`pins.lock.json`) records which release of
 * that major it resolved to and the commit that release's tag points to.
 *
 * Workflows reference the commit, never the tag: organisations can require
 * SHA pins, and a tag can be moved to other code after review. The release
 * tag is written next to the reference as a YAML comment,
 * `uses: actions/checkout@<sha> # v7.0.1`, the format Renovate's and
 * Dependabot's `github-actions` managers read.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
 */
export class ActionIntent {
  /**
   * @param action `owner/repo`, e.g. `actions/checkout`
   * @param major the release line, e.g. `v7`
   */
  public static of(action: string, major: string): ActionIntent {
    return new ActionIntent(action, major);
  }

  private constructor(
    /** `owner/repo`. */
    public readonly action: string,
    /** The major release line, e.g. `v7`. */
    public readonly major: string,
  ) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(action)) {
      throw new Error(`action '${action}' must be 'owner/repo', e.g. 'actions/checkout'`);
    }
    if (!/^v\d+$/.test(major)) {
      throw new Error(`major '${major}' of ${action} must be a major release line such as 'v7'`);
    }
  }

  /**
   * The release of this major the lock pins.
   * @returns the pin, or the one-line reason the lock cannot give one
   */
  public pin(lock: PinsLock): PinnedAction | string {
    const locked = lock.actions[this.action];
    if (!locked) {
      return `${this.action} ${this.major} has no entry in ${PINS_LOCK_FILE} (actions["${this.action}"]): ${UPGRADE_PINS_FIX}`;
    }
    if (locked.tag.split('.')[0] !== this.major) {
      return `${this.action} is locked at ${locked.tag}, not a release of the declared major ${this.major}: ${UPGRADE_PINS_FIX}`;
    }
    return { action: this.action, major: this.major, tag: locked.tag, commit: locked.commit, ref: `${this.action}@${locked.commit}` };
  }
}

/** An action pinned by the lock to one release's commit. */
export interface PinnedAction {
  /** `owner/repo`. */
  readonly action: string;
  /** The declared major, e.g. `v7`. */
  readonly major: string;
  /** The release tag, e.g. `v7.0.1`. */
  readonly tag: string;
  /** The full commit SHA the tag points to. */
  readonly commit: string;
  /** The reference a workflow's `uses:` carries: `owner/repo@<sha>`. */
  readonly ref: string;
}

/**
 * Every third-party action the generated workflows use, in one place, by
 * major (README, "Pins"). That includes the actions of projen's own build
 * workflow: `useActionTable()` routes them through this table too.
 *
 * Each is the action's newest major, which runs on Node 24 (GitHub's runners
 * no longer provide Node 20); `npx projen upgrade-pins` moves the lock to the
 * newest release of each.
 */
export const ACTIONS = {
  /** @see https://github.com/actions/checkout */
  checkout: ActionIntent.of('actions/checkout', 'v7'),
  /** @see https://github.com/aws-actions/configure-aws-credentials */
  configureAwsCredentials: ActionIntent.of('aws-actions/configure-aws-credentials', 'v6'),
  /** @see https://github.com/aws-actions/amazon-ecr-login */
  amazonEcrLogin: ActionIntent.of('aws-actions/amazon-ecr-login', 'v2'),
  /** @see https://github.com/docker/build-push-action */
  buildPush: ActionIntent.of('docker/build-push-action', 'v7'),
  /** The BuildKit builder the image build and its smoke test run on. @see https://github.com/docker/setup-buildx-action */
  setupBuildx: ActionIntent.of('docker/setup-buildx-action', 'v4'),
  /**
   * Signs an SLSA build provenance attestation of a newly built digest and pushes it to ECR as an
   * OCI referrer, when the registry declares `provenance: true`.
   * @see https://github.com/actions/attest
   */
  attest: ActionIntent.of('actions/attest', 'v4'),
  /** Used by projen's build workflow. @see https://github.com/actions/setup-node */
  setupNode: ActionIntent.of('actions/setup-node', 'v7'),
} as const;

/**
 * Every action of `ACTIONS` pinned by the lock.
 * @returns the pins, and one line per action the lock cannot pin
 */
export function pinActions(lock: PinsLock): { pins: PinnedAction[]; problems: string[] } {
  const results = Object.values(ACTIONS).map((intent) => intent.pin(lock));
  return {
    pins: results.filter((r): r is PinnedAction => typeof r !== 'string'),
    problems: results.filter((r): r is string => typeof r === 'string'),
  };
}

/** The reference a workflow writes, after projen's overrides (`useActionTable` sets the pinned commit). */
export function actionRef(gh: github.GitHub, action: keyof typeof ACTIONS): string {
  return gh.actions.get(ACTIONS[action].action);
}

/**
 * Makes every workflow of the project, projen's included, use the pinned
 * commits, unless an override for that action is already set.
 */
export function useActionTable(gh: github.GitHub, pins: readonly PinnedAction[]): void {
  for (const pin of pins) {
    if (gh.actions.get(pin.action) === pin.action) {
      gh.actions.set(pin.action, pin.ref);
    }
  }
}

/** The release tag of each pinned reference, for the comment after `uses:`. */
export function pinnedVersions(pins: readonly PinnedAction[]): ReadonlyMap<string, string> {
  return new Map(pins.map((pin) => [pin.ref, pin.tag]));
}
