import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GitHubRepository, ImagePlatformOptions, SubjectFormat, TRUST_POLICY_PATH, TrustScope,
} from '../src';
import { awsPlatform } from './support/aws';
import { allowsWebIdentity, GitHubRun, githubRequest, stringLike } from './support/iam-trust';
import { ownPlatform } from './support/own-declaration';
import { TEST_REGISTRY } from './support/project';
import { REPO_ROOT } from './support/workflows';

// Every run below is a GitHub token evaluated as IAM would against a generated
// trust policy (test/support/iam-trust.ts): what STS lets in, not which
// strings the policy happens to contain.

describe('the IAM evaluator the tests use', () => {
  // The documented StringLike rules, on values of the kind the trust policies hold.
  test.each<[string, string, boolean]>([
    ['repo:acme/ml:*', 'repo:acme/ml:ref:refs/heads/main', true],
    ['repo:acme/ml:*', 'repo:acme/ml:', true],
    ['repo:acme/ml:*', 'repo:acme/ml-x:pull_request', false],
    ['ref:refs/tags/v*', 'ref:refs/tags/v', true],
    ['ref:refs/tags/v*', 'ref:refs/tags/release', false],
    ['v?.?', 'v1.2', true],
    ['v?.?', 'v1.23', false],
    ['*-*-end', 'a-b-c-end', true],
    ['*a', 'bbb', false],
    ['repo:Acme/*', 'repo:acme/x', false],
    ['exact', 'exact', true],
  ])('StringLike %s on %s is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });

  test('lists are any-of, conditions all-of, and a missing key fails its condition', () => {
    const policy = {
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: 'p' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { a: 'x' }, StringLike: { b: ['1*', '2*'] } },
      }],
    };
    const allows = (context: Record<string, string>) => allowsWebIdentity(policy, { provider: 'p', context });
    expect(allows({ a: 'x', b: '2z' })).toBe(true);
    expect(allows({ a: 'x', b: '3z' })).toBe(false);
    expect(allows({ a: 'y', b: '1z' })).toBe(false);
    expect(allows({ b: '1z' })).toBe(false);
    expect(allowsWebIdentity(policy, { provider: 'other', context: { a: 'x', b: '1' } })).toBe(false);
  });
});

describe('this repository\'s committed trust policy', () => {
  // The declaration as .projenrc.ts builds it; the policy as `npx projen` wrote it.
  const platform = ownPlatform();
  const repo = platform.githubRepository!;
  const { latestBranch, snapshotBranches, releaseTagPattern } = platform.tagPolicy;
  const policy = JSON.parse(readFileSync(join(REPO_ROOT, TRUST_POLICY_PATH), 'utf8'));
  // The subject forms the declaration accepts (true: immutable), and the one it does not, if any.
  const declaredForms = [true, false].filter((immutable) => (immutable ? repo.subjectFormat.immutable : repo.subjectFormat.nameOnly));
  const otherForms = [true, false].filter((immutable) => !declaredForms.includes(immutable));
  const declared: GitHubRun = {
    owner: repo.owner,
    ownerId: repo.ownerId,
    repo: repo.name,
    repoId: repo.repositoryId,
    immutable: declaredForms[0],
    context: `ref:refs/heads/${latestBranch}`,
  };
  const allows = (run: Partial<GitHubRun>) => allowsWebIdentity(policy, githubRequest(platform.registry.account, { ...declared, ...run }));
  const releaseTag = releaseTagPattern.replace('*', '1.2.3');
  const form = (immutable: boolean) => (immutable ? 'immutable' : 'name-only');

  test.each(declaredForms.flatMap((immutable) => [
    `ref:refs/heads/${latestBranch}`,
    ...snapshotBranches.map((b) => `ref:refs/heads/${b}`),
    `ref:refs/tags/${releaseTag}`,
  ].map((context): [string, string, boolean] => [form(immutable), context, immutable])))(
    'lets in a token of the declared repository in the declared %s subject form from %s', (_form, context, immutable) => {
      expect(allows({ context, immutable })).toBe(true);
    });

  test.each<[string, Partial<GitHubRun>]>([
    ...declaredForms.flatMap((immutable): Array<[string, Partial<GitHubRun>]> => [
      [`a feature branch (${form(immutable)})`, { immutable, context: 'ref:refs/heads/feature/gpu' }],
      [`a branch named like a release tag (${form(immutable)})`, { immutable, context: `ref:refs/heads/${releaseTag}` }],
      [`a tag outside the release pattern (${form(immutable)})`, { immutable, context: 'ref:refs/tags/nightly' }],
      [`a pull request (${form(immutable)})`, { immutable, context: 'pull_request' }],
      [`a job with an environment (${form(immutable)})`, { immutable, context: 'environment:production' }],
      [`another audience than sts.amazonaws.com (${form(immutable)})`, { immutable, audience: `https://github.com/${repo.owner}` }],
    ]),
    ...otherForms.map((immutable): [string, Partial<GitHubRun>] => [`the ${form(immutable)} subject form, which is not declared`, { immutable }]),
    // Tokens with IDs: the immutable form.
    ['another owner ID', { immutable: true, ownerId: repo.ownerId + 1 }],
    ['another repository ID', { immutable: true, repoId: repo.repositoryId + 1 }],
    ['an owner ID that is a prefix of the declared one', { immutable: true, ownerId: Math.floor(repo.ownerId / 10) }],
    ['an owner ID that extends the declared one', { immutable: true, ownerId: repo.ownerId * 10 + 7 }],
    ['a repository ID that is a prefix of the declared one', { immutable: true, repoId: Math.floor(repo.repositoryId / 10) }],
    ['a repository ID that extends the declared one', { immutable: true, repoId: repo.repositoryId * 10 + 7 }],
    ['another owner name with the declared IDs', { immutable: true, owner: `${repo.owner}-x` }],
    ['another repository name with the declared IDs', { immutable: true, repo: `${repo.name}-x` }],
  ])('refuses a token from %s', (_case, run) => {
    expect(allows(run)).toBe(false);
  });
});

describe('a declared repository\'s trust policy', () => {
  const OWNER_ID = 12;
  const REPO_ID = 34;
  const run = (over: Partial<GitHubRun> = {}): GitHubRun => ({
    owner: 'acme', ownerId: OWNER_ID, repo: 'ml-platform', repoId: REPO_ID, immutable: true, context: 'ref:refs/heads/main', ...over,
  });
  const FORMATS = {
    'immutable': SubjectFormat.immutable(),
    'name-only': SubjectFormat.nameOnly(),
    'migrating': SubjectFormat.migrating(),
  };
  type Format = keyof typeof FORMATS;
  function policyOf(format: Format | undefined, options: Partial<ImagePlatformOptions> = {}) {
    const githubRepository = GitHubRepository.of('acme', 'ml-platform', {
      ownerId: OWNER_ID, repositoryId: REPO_ID, ...(format ? { subjectFormat: FORMATS[format] } : {}),
    });
    return awsPlatform({ githubRepository, ...options }).files[TRUST_POLICY_PATH];
  }
  const allows = (policy: any, r: GitHubRun) => allowsWebIdentity(policy, githubRequest(TEST_REGISTRY.account, r));

  test('without a declared subject format accepts the immutable form only', () => {
    const policy = policyOf(undefined);
    expect(allows(policy, run())).toBe(true);
    expect(allows(policy, run({ immutable: false }))).toBe(false);
  });

  test.each<[Format, boolean, string, boolean]>([
    // declared,   token immutable, context,                  allowed
    ['immutable', true, 'ref:refs/heads/main', true],
    ['immutable', false, 'ref:refs/heads/main', false],
    ['name-only', false, 'ref:refs/heads/main', true],
    ['name-only', true, 'ref:refs/heads/main', false],
    ['name-only', false, 'ref:refs/tags/v1.2.3', true],
    ['name-only', false, 'ref:refs/heads/feature/gpu', false],
    ['migrating', true, 'ref:refs/heads/main', true],
    ['migrating', false, 'ref:refs/heads/main', true],
    ['migrating', true, 'ref:refs/heads/develop', true],
    ['migrating', false, 'ref:refs/heads/develop', true],
    ['migrating', true, 'ref:refs/tags/v1.2.3', true],
    ['migrating', false, 'ref:refs/tags/v1.2.3', true],
    ['migrating', true, 'ref:refs/heads/feature/gpu', false],
    ['migrating', false, 'ref:refs/heads/feature/gpu', false],
  ])('declared %s, a token with immutable subject %s from %s is allowed: %s', (format, immutable, context, expected) => {
    expect(allows(policyOf(format), run({ immutable, context }))).toBe(expected);
  });

  // Someone else's repository, in each subject form the declaration accepts,
  // under both scopes: the `*` of `v*` or of anyRef's `:*` must never reach
  // into the repository part.
  const impostors: Array<[string, Partial<GitHubRun>]> = [
    ['another owner ID', { ownerId: 99 }],
    ['another repository ID', { repoId: 99 }],
    ['owner ID 1, a prefix of 12', { ownerId: 1 }],
    ['owner ID 123, an extension of 12', { ownerId: 123 }],
    ['repository ID 3, a prefix of 34', { repoId: 3 }],
    ['repository ID 345, an extension of 34', { repoId: 345 }],
    ['another owner with a longer name', { owner: 'acme-corp' }],
    ['a repository with a longer name', { repo: 'ml-platform-fork' }],
    ['a repository with a shorter name', { repo: 'ml' }],
  ];
  const cases = (Object.keys(FORMATS) as Format[]).flatMap((format) =>
    (['imageRefs', 'anyRef'] as const).flatMap((scope) =>
      [true, false].filter((immutable) => (immutable ? format !== 'name-only' : format !== 'immutable')).flatMap((immutable) =>
        impostors
          // Under the name-only form a token carries no IDs: only the name impostors differ.
          .filter(([, over]) => immutable || over.owner || over.repo)
          .map(([who, over]): [Format, 'imageRefs' | 'anyRef', boolean, string, Partial<GitHubRun>] => [format, scope, immutable, who, over]))));

  const scoped = new Map<string, any>();
  test.each(cases)('declared %s with TrustScope.%s refuses a token (immutable subject %s) from %s', (format, scope, immutable, _who, over) => {
    const key = `${format} ${scope}`;
    if (!scoped.has(key)) scoped.set(key, policyOf(format, { trustScope: TrustScope[scope]() }));
    const policy = scoped.get(key);
    for (const context of ['ref:refs/heads/main', 'ref:refs/tags/v1.2.3']) {
      expect({ context, allowed: allows(policy, run({ ...over, immutable, context })) }).toEqual({ context, allowed: false });
      // The same token from the declared repository is let in.
      expect({ context, allowed: allows(policy, run({ immutable, context })) }).toEqual({ context, allowed: true });
    }
  });

  test.each<[Format, string]>([
    ['immutable', 'ref:refs/heads/feature/gpu'],
    ['immutable', 'pull_request'],
    ['immutable', 'environment:production'],
    ['migrating', 'ref:refs/heads/feature/gpu'],
    ['name-only', 'pull_request'],
  ])('declared %s with TrustScope.anyRef() lets in any run of the repository, e.g. %s', (format, context) => {
    const policy = policyOf(format, { trustScope: TrustScope.anyRef() });
    expect(allows(policy, run({ context, immutable: format !== 'name-only' }))).toBe(true);
    expect(allows(policyOf(format), run({ context, immutable: format !== 'name-only' }))).toBe(false);
  });

  test.each<[string, string, boolean]>([
    ['the latest branch trunk', 'ref:refs/heads/trunk', true],
    ['the snapshot branch staging', 'ref:refs/heads/staging', true],
    ['the release tag release-2', 'ref:refs/tags/release-2', true],
    ['main, no longer a pushing branch', 'ref:refs/heads/main', false],
    ['the tag v1.2.3, outside the release pattern', 'ref:refs/tags/v1.2.3', false],
  ])('follows the declared tagging: a token from %s is allowed: %s', (_ref, context, expected) => {
    const policy = policyOf('migrating', { tagging: { latestBranch: 'trunk', snapshotBranches: ['staging'], releaseTagPattern: 'release-*' } });
    expect(allows(policy, run({ context }))).toBe(expected);
    expect(allows(policy, run({ context, immutable: false }))).toBe(expected);
  });

  test.each<[Format, string[]]>([
    ['immutable', ['`repo:acme@12/ml-platform@34:…`']],
    ['name-only', ['`repo:acme/ml-platform:…`']],
    ['migrating', ['`repo:acme@12/ml-platform@34:…`', '`repo:acme/ml-platform:…`']],
  ])('the generated .github/aws/README.md names the subjects accepted when declared %s', (format, subjects) => {
    const githubRepository = GitHubRepository.of('acme', 'ml-platform', { ownerId: OWNER_ID, repositoryId: REPO_ID, subjectFormat: FORMATS[format] });
    const readme: string = awsPlatform({ githubRepository }).files['.github/aws/README.md'];
    const line = readme.split('\n').find((l) => l.startsWith('- `trust-policy.json`'))!;
    expect(line).toContain('(owner ID 12, repository ID 34)');
    expect(line).toContain(`claim: ${subjects.join(' and ')}.`);
  });
});

describe('GitHubRepository', () => {
  const LOOKUP = 'read both with `gh api repos/acme/ml-platform --jq \'.owner.id, .id\'`';

  test.each<[string, unknown, string]>([
    ['missing', undefined, 'undefined'],
    ['zero', 0, '0'],
    ['negative', -12, '-12'],
    ['a fraction', 12.5, '12.5'],
    ['not a number', Number.NaN, 'NaN'],
    ['a quoted number', '12', '\'12\''],
    ['beyond what a JavaScript number holds exactly', 2 ** 53, String(2 ** 53)],
  ])('refuses an owner ID that is %s, naming the value and how to read the right one', (_case, ownerId, shown) => {
    expect(() => GitHubRepository.of('acme', 'ml-platform', { ownerId: ownerId as number, repositoryId: 34 })).toThrow([
      'Invalid GitHub repository acme/ml-platform:',
      `  - ownerId ${shown} is not the owner's numeric ID: a positive whole number; ${LOOKUP}`,
    ].join('\n'));
  });

  test('lists every bad value, one line each, names included', () => {
    const missing = undefined as unknown as { ownerId: number; repositoryId: number };
    expect(() => GitHubRepository.of('acme*', 'ml-?', missing)).toThrow([
      'Invalid GitHub repository acme*/ml-?:',
      '  - owner \'acme*\' is not a GitHub user or organisation name: 1 to 39 letters, digits and single inner \'-\', e.g. \'acme\'',
      '  - name \'ml-?\' is not a GitHub repository name: 1 to 100 letters, digits, \'.\', \'_\' and \'-\', e.g. \'ml-platform\'',
      '  - ownerId undefined is not the owner\'s numeric ID: a positive whole number; read both with `gh api repos/acme*/ml-? --jq \'.owner.id, .id\'`',
      '  - repositoryId undefined is not the repository\'s numeric ID: a positive whole number; read both with `gh api repos/acme*/ml-? --jq \'.owner.id, .id\'`',
    ].join('\n'));
  });

  test('refuses a subject format that is not one of SubjectFormat\'s', () => {
    const subjectFormat = 'immutable' as unknown as SubjectFormat;
    expect(() => GitHubRepository.of('acme', 'ml-platform', { ownerId: 12, repositoryId: 34, subjectFormat })).toThrow(
      '  - subjectFormat \'immutable\' is not a subject format: use SubjectFormat.immutable(), SubjectFormat.nameOnly() or SubjectFormat.migrating()');
  });

  test.each(['-acme', 'ac--me', 'a'.repeat(40)])('refuses owner %s', (owner) => {
    expect(() => GitHubRepository.of(owner, 'repo', { ownerId: 1, repositoryId: 2 })).toThrow(`owner '${owner}' is not a GitHub user or organisation name`);
  });
});
