import { LifecycleRule } from '../src';
import { newPlatform } from './support/project';
import { globsIntersect } from '../src/aws/lifecycle-policy';

describe('LifecycleRule factories', () => {
  test('keepLast selects tagged images by prefix and expires beyond the count', () => {
    const rule = LifecycleRule.keepLast(20, { tagPrefix: 'develop-' });
    expect(rule.description).toBe('keep the last 20 images tagged develop-*');
    expect(rule.selection).toEqual({ tagStatus: 'tagged', tagPatternList: ['develop-*'], countType: 'imageCountMoreThan', countNumber: 20 });
  });

  test('expireAfterDays selects tagged images by pattern and expires them by age', () => {
    expect(LifecycleRule.expireAfterDays(30, { tagPattern: 'exp-*-gpu' }).selection).toEqual({
      tagStatus: 'tagged', tagPatternList: ['exp-*-gpu'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30,
    });
  });

  test('expireUntaggedAfterDays selects untagged images only', () => {
    expect(LifecycleRule.expireUntaggedAfterDays(14).selection).toEqual({
      tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14,
    });
  });

  test.each<[string, () => unknown, string]>([
    ['a zero count', () => LifecycleRule.keepLast(0, { tagPrefix: 'develop-' }), 'LifecycleRule.keepLast: count 0 must be a whole number of at least 1'],
    ['a fractional age', () => LifecycleRule.expireUntaggedAfterDays(1.5), 'LifecycleRule.expireUntaggedAfterDays: days 1.5 must be a whole number of at least 1'],
    ['both filters', () => LifecycleRule.keepLast(5, { tagPrefix: 'a', tagPattern: 'b*' }), 'A lifecycle rule needs exactly one of `tagPrefix`'],
    ['no filter', () => LifecycleRule.expireAfterDays(5, {}), 'A lifecycle rule needs exactly one of `tagPrefix`'],
    ['a prefix with a wildcard', () => LifecycleRule.keepLast(5, { tagPrefix: 'dev*' }), 'Lifecycle tag prefix \'dev*\' is not the start of a Docker tag'],
    ['a pattern with a space', () => LifecycleRule.keepLast(5, { tagPattern: 'a b*' }), 'Lifecycle tag pattern \'a b*\' may only use letters, digits'],
    ['five wildcards', () => LifecycleRule.keepLast(5, { tagPattern: 'a*b*c*d*e*' }), 'Lifecycle tag pattern \'a*b*c*d*e*\' has more than 4 \'*\': ECR allows at most 4 per pattern'],
    ['a pattern for every tag', () => LifecycleRule.expireAfterDays(5, { tagPattern: '*' }), 'Lifecycle tag pattern \'*\' selects every tagged image, including releases'],
  ])('refuses %s', (_case, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('the lifecycle policy of a platform', () => {
  test('never expires the build caches, latest or release tags: one rule claims each before any declared rule', () => {
    // GIVEN
    const { platform } = newPlatform({ lifecycleRules: [LifecycleRule.expireUntaggedAfterDays(7)] });
    // THEN
    expect(platform.lifecyclePolicy?.rules).toEqual([
      { rulePriority: 1, description: 'never expire the build caches (buildcache*)', selection: { tagStatus: 'tagged', tagPatternList: ['buildcache*'], countType: 'imageCountMoreThan', countNumber: 9999 }, action: { type: 'expire' } },
      { rulePriority: 2, description: 'never expire the image of branch main (latest)', selection: { tagStatus: 'tagged', tagPatternList: ['latest'], countType: 'imageCountMoreThan', countNumber: 9999 }, action: { type: 'expire' } },
      { rulePriority: 3, description: 'never expire release images (v*)', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 9999 }, action: { type: 'expire' } },
      { rulePriority: 4, description: 'expire untagged images 7 days after push', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
      { rulePriority: 5, description: 'expire images only an inputs tag (inputs-*) names 7 days after push, as untagged ones', selection: { tagStatus: 'tagged', tagPatternList: ['inputs-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
    ]);
  });

  test('an image only its inputs tag names expires as untagged images do, after every rule that could keep it', () => {
    // GIVEN snapshot images kept by count, and untagged images expired after 10 days
    const { platform } = newPlatform({ lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'develop-' }), LifecycleRule.expireUntaggedAfterDays(10)] });
    const rules = platform.lifecyclePolicy!.rules;
    // THEN the inputs rule comes last, with the untagged rule's days: an image that also carries
    // latest, a release or a snapshot tag is claimed by that tag's rule first and keeps its inputs tag
    expect(rules[rules.length - 1]).toMatchObject({ rulePriority: rules.length, selection: { tagStatus: 'tagged', tagPatternList: ['inputs-*'], countType: 'sinceImagePushed', countNumber: 10 } });
    expect(rules.filter((r) => r.selection.tagPatternList?.some((p) => p.startsWith('inputs-')))).toHaveLength(1);
  });

  test('without an untagged rule, images only an inputs tag names are kept, as untagged ones are', () => {
    const { platform } = newPlatform({ lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'develop-' })] });
    expect(platform.lifecyclePolicy!.rules.map((r) => r.selection.tagPatternList?.[0])).toEqual(['buildcache*', 'latest', 'v*', 'develop-*']);
  });

  test('a declared rule may not select inputs tags, which the platform expires with the untagged images', () => {
    expect(() => newPlatform({ lifecycleRules: [LifecycleRule.expireAfterDays(3, { tagPrefix: 'in' })] })).toThrow(
      'Invalid lifecycle rules:\n  - rule \'expire images tagged in* 3 days after push\' could select tag \'inputs-*\' (inputs tags, which expire with the untagged images): narrow its tag filter, e.g. { tagPrefix: \'develop-\' }');
  });

  test('refuses, listing each, rules that could select a protected tag or that ECR would reject', () => {
    expect(() => newPlatform({
      lifecycleRules: [
        LifecycleRule.keepLast(5, { tagPrefix: 'v' }),
        LifecycleRule.expireAfterDays(30, { tagPattern: 'build*' }),
        LifecycleRule.keepLast(3, { tagPattern: 'l*t' }),
        LifecycleRule.keepLast(10, { tagPrefix: 'develop-' }),
        LifecycleRule.keepLast(20, { tagPattern: 'develop-*' }),
        LifecycleRule.expireUntaggedAfterDays(7),
        LifecycleRule.expireUntaggedAfterDays(14),
      ],
    })).toThrow([
      'Invalid lifecycle rules:',
      '  - rule \'keep the last 5 images tagged v*\' could select tag \'v*\' (release images), which is never expired: narrow its tag filter, e.g. { tagPrefix: \'develop-\' }',
      '  - rule \'expire images tagged build* 30 days after push\' could select tag \'buildcache*\' (the build caches), which is never expired: narrow its tag filter, e.g. { tagPrefix: \'develop-\' }',
      '  - rule \'keep the last 3 images tagged l*t\' could select tag \'latest\' (the image of branch main), which is never expired: narrow its tag filter, e.g. { tagPrefix: \'develop-\' }',
      '  - rules \'expire untagged images 7 days after push\' and \'expire untagged images 14 days after push\' all select untagged images: ECR allows one such rule, keep one',
      '  - rules \'keep the last 10 images tagged develop-*\' and \'keep the last 20 images tagged develop-*\' select the same tags: ECR needs each tag filter once, keep one',
    ].join('\n'));
  });

  test('protects the release tags the tagging declares', () => {
    // GIVEN releases tagged release-*, so v-prefixed tags are free to expire
    const tagging = { releaseTagPattern: 'release-*' };
    // THEN
    expect(() => newPlatform({ tagging, lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'rel' })] }))
      .toThrow('could select tag \'release-*\' (release images)');
    const { platform } = newPlatform({ tagging, lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'v' })] });
    expect(platform.lifecyclePolicy?.rules.map((r) => r.selection.tagPatternList?.[0])).toEqual(['buildcache*', 'latest', 'release-*', 'v*']);
  });

  test('by default keeps the last 20 images of each snapshot branch and expires untagged images after 14 days', () => {
    const { platform } = newPlatform({ tagging: { snapshotBranches: ['develop', 'feature/gpu'] } });
    expect(platform.lifecycleRules.map((r) => r.description)).toEqual([
      'keep the last 20 images tagged develop-*',
      'keep the last 20 images tagged feature-gpu-*',
      'expire untagged images 14 days after push',
    ]);
  });

  test('default rules that clash with the tagging say to declare lifecycleRules', () => {
    expect(() => newPlatform({ tagging: { snapshotBranches: ['release/next'], releaseTagPattern: 'release-*' } })).toThrow(
      'The default lifecycle rules, derived from the snapshot branches, do not fit the tagging: declare `lifecycleRules`:\n'
      + '  - rule \'keep the last 20 images tagged release-next-*\' could select tag \'release-*\' (release images)');
  });

  test('an empty list keeps every image: no lifecycle policy', () => {
    expect(newPlatform({ lifecycleRules: [] }).platform.lifecyclePolicy).toBeUndefined();
  });
});

describe('globsIntersect', () => {
  test.each<[string, string, boolean]>([
    ['develop-*', 'v*', false],
    ['v*', 'v*', true],
    ['*cache', 'buildcache', true],
    ['build*', 'buildcache', true],
    ['buildcache-old-*', 'buildcache', false],
    ['l*t', 'latest', true],
    ['la*x', 'latest', false],
    ['*-gpu', 'v*', true],
    ['exp-*', 'v*', false],
    ['a*b', '*c', false],
    ['a*b*c', 'a*c', true],
    ['', '*', true],
    ['x', '', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
    expect(globsIntersect(b, a)).toBe(expected);
  });
});
