import { awsPlatform } from './support/aws';
import { newPlatform } from './support/project';
import * as tagging from '../src/declaration/tagging';

/** The tag immutability ecr:ensure sets follows from the declared tagging, and synthesis refuses tagging ECR cannot protect. */

const filters = (options: Parameters<typeof newPlatform>[0] = {}) =>
  newPlatform(options).platform.tagImmutability.imageTagMutabilityExclusionFilters.map((f) => f.filter);

test('by default every tag is immutable except latest, the build caches, inputs tags and develop-* snapshots', () => {
  const { platform } = awsPlatform();
  expect(platform.tagImmutability).toEqual({
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageTagMutabilityExclusionFilters: [
      { filter: 'latest', filterType: 'WILDCARD' },
      { filter: 'buildcache*', filterType: 'WILDCARD' },
      // A forced rebuild moves the inputs tag to the fresh build of the same inputs.
      { filter: 'inputs-*', filterType: 'WILDCARD' },
      { filter: 'develop-*', filterType: 'WILDCARD' },
    ],
  });
});

test('the exclusions follow the snapshot branches, as the tag step names their tags', () => {
  expect(filters({ tagging: { latestBranch: 'trunk', snapshotBranches: ['staging', 'feature/gpu'] } }))
    .toEqual(['latest', 'buildcache*', 'inputs-*', 'staging-*', 'feature-gpu-*']);
  expect(filters({ tagging: { snapshotBranches: [] } })).toEqual(['latest', 'buildcache*', 'inputs-*']);
});

test('tagging that needs more exclusions than ECR allows fails synthesis with the fix', () => {
  expect(() => newPlatform({ tagging: { snapshotBranches: ['a', 'b', 'c'] }, lifecycleRules: [] })).toThrow([
    'The tagging does not fit ECR tag immutability:',
    '  - the tagging moves 6 kinds of tags (latest, buildcache*, inputs-*, a-*, b-*, c-*), but ECR allows at most 5 exclusions from tag immutability per repository: declare at most 2 snapshot branches',
  ].join('\n'));
  expect(filters({ tagging: { snapshotBranches: ['a', 'b'] } })).toHaveLength(5);
});

test('a snapshot branch whose tags would look like releases fails synthesis, with every other problem', () => {
  expect(() => newPlatform({ tagging: { snapshotBranches: ['v1', `long-${'x'.repeat(125)}`], releaseTagPattern: 'v*' }, lifecycleRules: [] })).toThrow([
    'The tagging does not fit ECR tag immutability:',
    `  - tag pattern 'long-${'x'.repeat(125)}-*' (a re-run of a long-${'x'.repeat(125)} build pushes its commit's tag again) is not an exclusion ECR accepts (at most 128 letters, digits, '.', '_', '-' and '*'): use a shorter branch name`,
    '  - release tag pattern \'v*\' overlaps \'v1-*\', which must stay movable (a re-run of a v1 build pushes its commit\'s tag again): such release tags could be overwritten; choose release tags and branch names that cannot meet, e.g. \'v*\' and \'develop\'',
  ].join('\n'));
});

test('a release tag pattern that would cover latest fails synthesis', () => {
  expect(() => newPlatform({ tagging: { releaseTagPattern: 'l*' }, lifecycleRules: [] }))
    .toThrow('release tag pattern \'l*\' overlaps \'latest\', which must stay movable (every push to main moves it)');
});

test('a branch rule whose tag no exclusion covers fails synthesis (the guard on movingTags())', () => {
  // GIVEN a movingTags() that forgot the snapshot tags
  const spy = jest.spyOn(tagging, 'movingTags').mockImplementation((policy) => [{ pattern: 'latest', why: `every push to ${policy.latestBranch} moves it` }]);
  try {
    expect(() => newPlatform()).toThrow('pushes to develop move tag \'develop-0123abc\', which no exclusion covers: ECR would refuse the second push; add its pattern to movingTags()');
  } finally {
    spy.mockRestore();
  }
});
