import { OptionKeys, optional } from './option-keys';
import { Violations } from './violations';

/**
 * How an image tag follows from what triggered the build.
 *
 * The defaults are the seed's table: `main` → `latest`, `develop` →
 * `develop-<short sha>`, git tag `v1.2.3` → `v1.2.3`, a dispatch → its `tag`
 * input or `latest`.
 */
export interface TaggingOptions {
  /**
   * The branch whose pushes are tagged `latest`.
   * @default 'main'
   */
  readonly latestBranch?: string;
  /**
   * Branches whose pushes are tagged `<branch>-<first 7 characters of the sha>`.
   * @default ['develop']
   */
  readonly snapshotBranches?: string[];
  /**
   * The git tags that build a release image tagged with the git tag itself.
   * @default 'v*'
   * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
   */
  readonly releaseTagPattern?: string;
}

/** The keys of {@link TaggingOptions}, checked when `.projenrc.ts` runs. */
export const TAGGING_OPTION_KEYS = new OptionKeys<TaggingOptions>('TaggingOptions', {
  latestBranch: optional(),
  snapshotBranches: optional(),
  releaseTagPattern: optional(),
});

/** Tagging rules with every default resolved. */
export interface TagPolicy {
  readonly latestBranch: string;
  readonly snapshotBranches: readonly string[];
  readonly releaseTagPattern: string;
}

/** The name of the build cache tag kept in each image's own repository. */
export const BUILD_CACHE_TAG = 'buildcache';

/** Tags naming an image by its inputs start with this, e.g. `inputs-0123456789abcdef`. */
export const INPUTS_TAG_PREFIX = 'inputs-';

/**
 * Hex digits of the fingerprint an inputs tag keeps: 64 bits, so two
 * different inputs in one repository share a tag with odds of about n²/2⁶⁵.
 */
export const INPUTS_TAG_DIGITS = 16;

/**
 * The tag of the smoke-test stage's build cache, next to the image's own:
 * the image's build writes only its own layers to its cache, so the smoke
 * test keeps its result under a tag of its own.
 */
export const SMOKE_TEST_CACHE_TAG = `${BUILD_CACHE_TAG}-smoke-test`;

/**
 * Tags the workflows write into every image repository for themselves. No
 * trigger may produce one as an image tag: the image would overwrite what the
 * workflows keep there, and the next build would overwrite the image.
 */
export interface ReservedTag {
  /** The tags it claims, as an anchored regular expression that bash and JavaScript read alike. */
  readonly pattern: string;
  /** The same tags as people read them, `*` standing for any characters, e.g. `inputs-*`. */
  readonly glob: string;
  /** What the workflows keep under it, for the error message. */
  readonly purpose: string;
  /** Tags it claims, against which synthesis checks the tag rules. */
  readonly examples: readonly string[];
}

/** Every reserved tag; a new kind of tag the workflows write is one more entry. */
export const RESERVED_TAGS: readonly ReservedTag[] = [
  {
    pattern: `^${BUILD_CACHE_TAG}`,
    glob: `${BUILD_CACHE_TAG}*`,
    purpose: 'the registry build caches',
    examples: [BUILD_CACHE_TAG, SMOKE_TEST_CACHE_TAG],
  },
  {
    pattern: `^${INPUTS_TAG_PREFIX}`,
    glob: `${INPUTS_TAG_PREFIX}*`,
    purpose: 'the tags that name an image by its inputs fingerprint',
    examples: [`${INPUTS_TAG_PREFIX}0123456789abcdef`],
  },
];

/** The reserved tag a tag collides with, if any. */
export function reservedTag(tag: string): ReservedTag | undefined {
  return RESERVED_TAGS.find((r) => new RegExp(r.pattern).test(tag));
}

/** The tag `resolve_tag` gives pushes to the latest branch (see `image-build/tags.sh`). */
export const LATEST_TAG = 'latest';

/**
 * The start of a snapshot branch's tags: `feature/gpu` → `feature-gpu-`, then
 * the first 7 characters of the commit (see `image-build/tags.sh`).
 */
export function snapshotTagPrefix(branch: string): string {
  return `${branch.replace(/\//g, '-')}-`;
}

/** Tags the workflows write again on a later run, as a pattern (`*`: any characters). */
export interface MovingTag {
  readonly pattern: string;
  /** Why it moves, in words. */
  readonly why: string;
}

/**
 * Every tag a later run of the workflows moves to another image: the only
 * tags ECR may let move (`ecr:ensure` makes every other tag immutable, so a
 * release tag is never overwritten). One list: a new kind of tag the workflows
 * rewrite is added here and nowhere else.
 */
export function movingTags(policy: TagPolicy): MovingTag[] {
  return [
    { pattern: LATEST_TAG, why: `every push to ${policy.latestBranch} moves it` },
    { pattern: `${BUILD_CACHE_TAG}*`, why: 'every build rewrites the build caches (the image\'s and the smoke test\'s)' },
    { pattern: `${INPUTS_TAG_PREFIX}*`, why: 'a forced rebuild (dispatch input `rebuild`) moves the inputs tag to the fresh build of the same inputs' },
    ...policy.snapshotBranches.map((branch) => ({
      pattern: `${snapshotTagPrefix(branch)}*`,
      why: `a re-run of a ${branch} build pushes its commit's tag again`,
    })),
  ];
}

/** The rule every image tag obeys, from Docker's reference grammar. */
export const DOCKER_TAG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

const BRANCH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const TAG_GLOB = /^[A-Za-z0-9._*-]+$/;

/** Resolves defaults and checks that every name can be written into a script safely. */
export function resolveTagPolicy(options: TaggingOptions = {}): TagPolicy {
  const policy: TagPolicy = {
    latestBranch: options.latestBranch ?? 'main',
    snapshotBranches: options.snapshotBranches ?? ['develop'],
    releaseTagPattern: options.releaseTagPattern ?? 'v*',
  };
  const v = new Violations();
  for (const branch of [policy.latestBranch, ...policy.snapshotBranches]) {
    if (!BRANCH.test(branch) || branch.includes('..')) {
      v.add(`branch '${branch}' must be a plain branch name (letters, digits, '.', '_', '-', '/'), not a pattern`);
    }
  }
  if (policy.snapshotBranches.includes(policy.latestBranch)) {
    v.add(`branch '${policy.latestBranch}' cannot be both the latest branch and a snapshot branch`);
  }
  if (!TAG_GLOB.test(policy.releaseTagPattern)) {
    v.add(`release tag pattern '${policy.releaseTagPattern}' must use only letters, digits, '.', '_', '-' and '*', e.g. 'v*'`);
  } else {
    // Git tags have no '/' here, so GitHub's '*' and '**' both match any run of characters.
    const release = new RegExp(`^${policy.releaseTagPattern.replace(/\./g, '\\.').replace(/\*+/g, '.*')}$`);
    for (const reserved of RESERVED_TAGS) {
      const tag = reserved.examples.find((t) => release.test(t));
      if (tag) {
        v.add(`release tag pattern '${policy.releaseTagPattern}' matches git tag '${tag}', which would become image tag '${tag}', reserved for ${reserved.purpose}: narrow the pattern, e.g. 'v*'`);
      }
    }
  }
  for (const branch of policy.snapshotBranches) {
    const tag = `${snapshotTagPrefix(branch)}0123abc`;
    const reserved = reservedTag(tag);
    if (reserved) {
      v.add(`snapshot branch '${branch}' gives image tags such as '${tag}', reserved for ${reserved.purpose}: tag another branch`);
    }
  }
  v.throwIfAny('Invalid tagging rules');
  return policy;
}
