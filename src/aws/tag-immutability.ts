import type { TagImmutability } from './ecr-manifest';
import { globsIntersect } from './lifecycle-policy';
import { LATEST_TAG, movingTags, snapshotTagPrefix, TagPolicy } from '../declaration/tagging';
import { Violations } from '../declaration/violations';

/**
 * ECR's limits on exclusions from tag immutability: at most 5 filters per
 * repository, each a `WILDCARD` of up to 128 letters, digits, `.`, `_`, `-`
 * and `*`.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImageTagMutability.html
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageTagMutabilityExclusionFilter.html
 */
export const MAX_EXCLUSION_FILTERS = 5;
const EXCLUSION_FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;

/**
 * The tag immutability of every declared repository: every tag immutable
 * except those a later run of the workflows moves (`movingTags`), so a release
 * tag, once pushed, always names the same image and the untagged-image
 * lifecycle rule can never expire a release.
 *
 * Fails, listing every problem, when the tagging needs more exclusions than
 * ECR allows, when a tag a branch build moves would not be excluded, or when
 * an exclusion would also cover release tags.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
 */
export function renderTagImmutability(policy: TagPolicy): TagImmutability {
  const moving = movingTags(policy);
  const v = new Violations();
  if (moving.length > MAX_EXCLUSION_FILTERS) {
    v.add(`the tagging moves ${moving.length} kinds of tags (${moving.map((t) => t.pattern).join(', ')}), but ECR allows at most ${MAX_EXCLUSION_FILTERS} exclusions from tag immutability per repository: declare at most ${MAX_EXCLUSION_FILTERS - (moving.length - policy.snapshotBranches.length)} snapshot branches`);
  }
  for (const tag of moving.filter((t) => !EXCLUSION_FILTER.test(t.pattern))) {
    v.add(`tag pattern '${tag.pattern}' (${tag.why}) is not an exclusion ECR accepts (at most 128 letters, digits, '.', '_', '-' and '*'): use a shorter branch name`);
  }
  // What the branch rules of the tag step push, each again on a later run.
  const branchTags = [
    { branch: policy.latestBranch, tag: LATEST_TAG },
    ...policy.snapshotBranches.map((branch) => ({ branch, tag: `${snapshotTagPrefix(branch)}0123abc` })),
  ];
  for (const { branch, tag } of branchTags) {
    if (!moving.some((t) => globsIntersect(t.pattern, tag))) {
      v.add(`pushes to ${branch} move tag '${tag}', which no exclusion covers: ECR would refuse the second push; add its pattern to movingTags()`);
    }
  }
  for (const tag of moving.filter((t) => globsIntersect(t.pattern, policy.releaseTagPattern))) {
    v.add(`release tag pattern '${policy.releaseTagPattern}' overlaps '${tag.pattern}', which must stay movable (${tag.why}): such release tags could be overwritten; choose release tags and branch names that cannot meet, e.g. 'v*' and 'develop'`);
  }
  v.throwIfAny('The tagging does not fit ECR tag immutability');
  return {
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageTagMutabilityExclusionFilters: moving.map((t) => ({ filter: t.pattern, filterType: 'WILDCARD' })),
  };
}
