import { OptionKeys, optional } from './option-keys';
import { DeclarationError } from './violations';
import type { LifecycleSelection } from '../aws/ecr-manifest';

/** The tagged images a rule selects: give exactly one of the two. */
export interface LifecycleTagFilter {
  /** Tags that start with this, e.g. `develop-`. */
  readonly tagPrefix?: string;
  /**
   * Tags that match this pattern, `*` standing for any characters (at most
   * four), e.g. `exp-*-gpu`.
   */
  readonly tagPattern?: string;
}

const LIFECYCLE_TAG_FILTER_KEYS = new OptionKeys<LifecycleTagFilter>('LifecycleTagFilter', { tagPrefix: optional(), tagPattern: optional() });

const TAG_PREFIX = /^[A-Za-z0-9_.-]{1,128}$/;
const TAG_PATTERN = /^[A-Za-z0-9_.*-]{1,128}$/;
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html#lp_tag_pattern_list
const MAX_WILDCARDS = 4;

/**
 * One rule of the lifecycle policy `ecr:ensure` puts on every declared
 * repository.
 *
 * Rules only ever select images by tag: there is no rule for "any image", and
 * a rule whose tags could include `buildcache`, `latest` or a release tag is
 * refused at synth time. Those tags are also claimed by rules placed before
 * every declared one, so no rule can expire them even through another tag the
 * same image carries.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 */
export class LifecycleRule {
  /** Keeps the newest `count` images whose tag matches, and expires older ones. */
  public static keepLast(count: number, filter: LifecycleTagFilter): LifecycleRule {
    const tagPattern = resolveFilter('LifecycleRule.keepLast', filter);
    checkCount('keepLast', 'count', count);
    return new LifecycleRule(`keep the last ${count} images tagged ${tagPattern}`, tagPattern, {
      tagStatus: 'tagged', tagPatternList: [tagPattern], countType: 'imageCountMoreThan', countNumber: count,
    });
  }

  /** Expires images whose tag matches once they were pushed `days` days ago. */
  public static expireAfterDays(days: number, filter: LifecycleTagFilter): LifecycleRule {
    const tagPattern = resolveFilter('LifecycleRule.expireAfterDays', filter);
    checkCount('expireAfterDays', 'days', days);
    return new LifecycleRule(`expire images tagged ${tagPattern} ${days} days after push`, tagPattern, {
      tagStatus: 'tagged', tagPatternList: [tagPattern], countType: 'sinceImagePushed', countUnit: 'days', countNumber: days,
    });
  }

  /**
   * Expires untagged images `days` days after their push: the images a newer
   * `latest` or `buildcache` push left behind.
   */
  public static expireUntaggedAfterDays(days: number): LifecycleRule {
    checkCount('expireUntaggedAfterDays', 'days', days);
    return new LifecycleRule(`expire untagged images ${days} days after push`, undefined, {
      tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days,
    });
  }

  private constructor(
    /** What the rule does, in words; also the rule's description in ECR. */
    public readonly description: string,
    /** The tags it selects, or `undefined` for untagged images. */
    public readonly tagPattern: string | undefined,
    /** The rule's `selection` in the ECR lifecycle policy. */
    public readonly selection: LifecycleSelection,
  ) {}
}

function resolveFilter(factory: string, filter: LifecycleTagFilter): string {
  LIFECYCLE_TAG_FILTER_KEYS.check(factory, filter);
  const { tagPrefix, tagPattern } = filter;
  if ((tagPrefix === undefined) === (tagPattern === undefined)) {
    throw new DeclarationError('A lifecycle rule needs exactly one of `tagPrefix` (e.g. \'develop-\') or `tagPattern` (e.g. \'exp-*-gpu\')');
  }
  if (tagPrefix !== undefined) {
    if (!TAG_PREFIX.test(tagPrefix)) {
      throw new DeclarationError(`Lifecycle tag prefix '${tagPrefix}' is not the start of a Docker tag: use letters, digits, '_', '.' and '-', e.g. 'develop-'`);
    }
    return `${tagPrefix}*`;
  }
  const pattern = tagPattern as string;
  if (!TAG_PATTERN.test(pattern)) {
    throw new DeclarationError(`Lifecycle tag pattern '${pattern}' may only use letters, digits, '_', '.', '-' and '*', e.g. 'exp-*-gpu'`);
  }
  if (pattern.split('*').length - 1 > MAX_WILDCARDS) {
    throw new DeclarationError(`Lifecycle tag pattern '${pattern}' has more than ${MAX_WILDCARDS} '*': ECR allows at most ${MAX_WILDCARDS} per pattern`);
  }
  if (/^\*+$/.test(pattern)) {
    throw new DeclarationError(`Lifecycle tag pattern '${pattern}' selects every tagged image, including releases: narrow it, e.g. 'develop-*'`);
  }
  return pattern;
}

function checkCount(factory: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new DeclarationError(`LifecycleRule.${factory}: ${what} ${value} must be a whole number of at least 1`);
  }
}
