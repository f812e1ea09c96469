import type { LifecyclePolicyDocument, LifecyclePolicyRuleDocument } from './ecr-manifest';
import { LifecycleRule } from '../declaration/lifecycle-rule';
import { BUILD_CACHE_TAG, INPUTS_TAG_PREFIX, LATEST_TAG, snapshotTagPrefix, TagPolicy } from '../declaration/tagging';
import { Violations } from '../declaration/violations';

/**
 * ECR has no "keep" action. A rule that expires only beyond this many images
 * claims every image its tags match, and an image claimed by a rule can never
 * be expired by a rule of lower priority: so these rules keep their tags
 * (9,999 releases before the first would go).
 */
export const KEEP_COUNT = 9999;

/** How many images of each snapshot branch the default policy keeps. */
export const DEFAULT_SNAPSHOT_KEEP = 20;
/** How long the default policy keeps images a newer push untagged. */
export const DEFAULT_UNTAGGED_DAYS = 14;

interface ProtectedTag {
  readonly pattern: string;
  readonly what: string;
}

function protectedTags(tags: TagPolicy): ProtectedTag[] {
  return [
    { pattern: `${BUILD_CACHE_TAG}*`, what: 'the build caches' },
    { pattern: LATEST_TAG, what: `the image of branch ${tags.latestBranch}` },
    { pattern: tags.releaseTagPattern, what: 'release images' },
  ];
}

/**
 * The default rules: keep the last 20 images of each snapshot branch
 * (`develop-*`), expire untagged images after 14 days.
 */
export function defaultLifecycleRules(tags: TagPolicy): LifecycleRule[] {
  return [
    ...tags.snapshotBranches.map((branch) =>
      LifecycleRule.keepLast(DEFAULT_SNAPSHOT_KEEP, { tagPrefix: snapshotTagPrefix(branch) })),
    LifecycleRule.expireUntaggedAfterDays(DEFAULT_UNTAGGED_DAYS),
  ];
}

/** The tags that name an image by its inputs; the platform's own rule expires them. */
const INPUTS_TAGS = `${INPUTS_TAG_PREFIX}*`;

/**
 * The ECR lifecycle policy for the declared rules: first one rule per
 * protected tag, then the declared rules in order, then the platform's rule
 * for images only an inputs tag names. `undefined` when no rule is declared:
 * images are then kept forever.
 *
 * Every build tags its image with its inputs fingerprint as well, so an image
 * whose other tags moved on (a newer `latest`) is not untagged but named by
 * its inputs tag alone. Such an image expires as an untagged one does, after
 * the days of the declared untagged rule (none declared: it is kept, as
 * untagged images are). Expiry is per image: while it carries any tag a rule
 * above keeps (latest, a release, a snapshot tag within its count), that rule
 * claims it and the inputs tag stays with it, ready for promotions.
 *
 * Fails, listing every problem, when a rule could select a protected tag or
 * an inputs tag, or breaks one of ECR's own rules.
 */
export function renderLifecyclePolicy(rules: readonly LifecycleRule[], tags: TagPolicy, subject = 'Invalid lifecycle rules'): LifecyclePolicyDocument | undefined {
  const guarded = protectedTags(tags);
  const v = new Violations();
  for (const rule of rules) {
    for (const tag of guarded) {
      if (rule.tagPattern !== undefined && globsIntersect(rule.tagPattern, tag.pattern)) {
        v.add(`rule '${rule.description}' could select tag '${tag.pattern}' (${tag.what}), which is never expired: narrow its tag filter, e.g. { tagPrefix: 'develop-' }`);
      }
    }
  }
  for (const rule of rules) {
    if (rule.tagPattern !== undefined && globsIntersect(rule.tagPattern, INPUTS_TAGS)) {
      v.add(`rule '${rule.description}' could select tag '${INPUTS_TAGS}' (inputs tags, which expire with the untagged images): narrow its tag filter, e.g. { tagPrefix: 'develop-' }`);
    }
  }
  const untagged = rules.filter((r) => r.tagPattern === undefined);
  if (untagged.length > 1) {
    v.add(`rules ${untagged.map((r) => `'${r.description}'`).join(' and ')} all select untagged images: ECR allows one such rule, keep one`);
  }
  const seen = new Map<string, LifecycleRule>();
  for (const rule of rules.filter((r) => r.tagPattern !== undefined)) {
    const first = seen.get(rule.tagPattern as string);
    if (first) {
      v.add(`rules '${first.description}' and '${rule.description}' select the same tags: ECR needs each tag filter once, keep one`);
    }
    seen.set(rule.tagPattern as string, rule);
  }
  v.throwIfAny(subject);
  if (rules.length === 0) {
    return undefined;
  }

  const keepRules: Array<Omit<LifecyclePolicyRuleDocument, 'rulePriority'>> = guarded.map((tag) => ({
    description: `never expire ${tag.what} (${tag.pattern})`,
    selection: { tagStatus: 'tagged', tagPatternList: [tag.pattern], countType: 'imageCountMoreThan', countNumber: KEEP_COUNT },
    action: { type: 'expire' },
  }));
  const declared = rules.map((rule) => ({ description: rule.description, selection: rule.selection, action: { type: 'expire' as const } }));
  const untaggedDays = untagged[0]?.selection.countNumber;
  const inputsOnly: Array<Omit<LifecyclePolicyRuleDocument, 'rulePriority'>> = untaggedDays === undefined ? [] : [{
    description: `expire images only an inputs tag (${INPUTS_TAGS}) names ${untaggedDays} days after push, as untagged ones`,
    selection: { tagStatus: 'tagged', tagPatternList: [INPUTS_TAGS], countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedDays },
    action: { type: 'expire' },
  }];
  return { rules: [...keepRules, ...declared, ...inputsOnly].map((rule, i) => ({ rulePriority: i + 1, ...rule })) };
}

/**
 * Whether some tag matches both patterns, where `*` stands for any run of
 * characters (the only wildcard of ECR tag patterns and of the release tag
 * pattern).
 */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) {
      return known;
    }
    let result: boolean;
    if (i === a.length && j === b.length) {
      result = true;
    } else if (a[i] === '*') {
      // The star matches nothing more, or swallows b's next character.
      result = walk(i + 1, j) || (j < b.length && walk(i, j + 1));
    } else if (b[j] === '*') {
      result = walk(i, j + 1) || (i < a.length && walk(i + 1, j));
    } else {
      result = i < a.length && j < b.length && a[i] === b[j] && walk(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return walk(0, 0);
}
