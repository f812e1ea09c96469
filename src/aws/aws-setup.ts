import { Component } from 'projen/lib/component';
import { JsonFile } from 'projen/lib/json';
import { TextFile } from 'projen/lib/textfile';
import {
  AWS_DIR, EcrManifest, MANIFEST_PATH, MANIFEST_VERSION, OPERATOR_POLICY_PATH,
} from './ecr-manifest';
import {
  PolicyDocument, renderOperatorPolicy, renderPushPolicy, renderTrustPolicy,
} from './iam-policies';
import { RESERVED_TAGS } from '../declaration/tagging';
import type { PlatformView } from '../platform/container-image';

export const TRUST_POLICY_PATH = `${AWS_DIR}/trust-policy.json`;
export const PUSH_POLICY_PATH = `${AWS_DIR}/ecr-push-policy.json`;

/**
 * The command the ECR tasks run: the CLI straight from src/, so a plain `npm ci`
 * is enough, through the require hook that runs .projenrc.ts (swc, no
 * TypeScript compiler to load).
 */
export const ECR_CLI = ['node', '--require', './build-tools/register-ts.js', 'src/ecr/cli.ts'];
/**
 * The SDK warns on every run that its 2027 releases will need Node 22; the
 * project's Node floor is decided in .projenrc.ts, not by each operator.
 */
const ECR_TASK_ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/**
 * The AWS side of the platform, generated from the same declaration as the
 * workflows: under `.github/aws/`, the push role's trust and permission
 * policies, the policy of whoever provisions the repositories, and the
 * repository manifest the `ecr:ensure` and `ecr:status` tasks read.
 *
 * Synthesis only writes files: it never calls AWS.
 *
 * @see https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
 */
export class AwsSetup extends Component {
  constructor(public readonly platform: PlatformView) {
    super(platform, 'aws-setup');
    const project = this.project;
    const registry = platform.registry;
    const repositories = () => platform.images.map((i) => i.repository);

    if (platform.githubRepository) {
      const subjects = platform.trustScope.subjects(platform.githubRepository, platform.tagPolicy);
      policyFile(this, TRUST_POLICY_PATH, () => renderTrustPolicy(registry, subjects));
    }
    policyFile(this, PUSH_POLICY_PATH, () => renderPushPolicy(registry, repositories()));
    policyFile(this, OPERATOR_POLICY_PATH, () =>
      renderOperatorPolicy(registry, repositories(), platform.lifecyclePolicy !== undefined));

    new JsonFile(this, MANIFEST_PATH, {
      marker: true,
      obj: { toJSON: (): EcrManifest => this.manifest() },
    });

    const readme = new TextFile(this, `${AWS_DIR}/README.md`, { marker: true });
    for (const line of this.readmeLines(readme.marker)) {
      readme.addLine(line);
    }

    project.addTask('ecr:ensure', {
      description: 'Create the declared ECR repositories that are missing and bring their lifecycle policy, tag immutability and scan setting in line (--dry-run: print the plan only)',
      env: ECR_TASK_ENV,
      steps: [{ execArgs: [...ECR_CLI, 'ensure'], receiveArgs: true }],
    });
    project.addTask('ecr:status', {
      description: 'Show the newest image of each declared ECR repository: tags, push time and size against its threshold',
      env: ECR_TASK_ENV,
      steps: [{ execArgs: [...ECR_CLI, 'status'], receiveArgs: true }],
    });
  }

  /** What the ECR tasks need to know about the declaration. */
  public manifest(): EcrManifest {
    const { registry, lifecyclePolicy } = this.platform;
    return {
      version: MANIFEST_VERSION,
      registry: { account: registry.account, region: registry.region },
      internalTagPatterns: RESERVED_TAGS.map((r) => r.glob),
      ...(lifecyclePolicy ? { lifecyclePolicy } : {}),
      repositories: this.platform.images.map((image) => ({
        name: image.repository,
        imageId: image.imageId,
        scanOnPush: true,
        ...this.platform.tagImmutability,
        sizeThreshold: { bytes: image.sizeWarning.bytes, label: image.sizeWarning.toString() },
      })),
    };
  }

  private readmeLines(marker: string | undefined): string[] {
    const repo = this.platform.githubRepository;
    const trust = repo
      ? ['- `trust-policy.json`: the trust policy of the role behind the workflows\' OIDC role'
        + ` (${this.platform.role.description}), for runs of ${repo.fullName}`
        + ` (owner ID ${repo.ownerId}, repository ID ${repo.repositoryId})`
        + ` on ${this.platform.trustScope.description}. It accepts ${repo.subjectFormat.description} of GitHub's OIDC \`sub\` claim:`
        + ` ${repo.subjectRepos.map((r) => `\`${r}:…\``).join(' and ')}. How to tell which form the repository's runs carry:`
        + ' the project README, section "AWS set-up".']
      : ['- no `trust-policy.json`: declare `githubRepository` on the ImagePlatform in .projenrc.ts to generate it.'];
    return [
      `<!-- ${marker} -->`,
      '# AWS set-up',
      '',
      'Generated from `.projenrc.ts`. IAM rejects any key it does not know, so the policy',
      'files carry no marker: this file is their marker. The one-time set-up with them is',
      'in the project README, section "AWS set-up".',
      '',
      ...trust,
      '- `ecr-push-policy.json`: the permissions of that role: an ECR login token, then push and',
      '  pull on exactly the declared repositories.',
      '- `ecr-operator-policy.json`: the permissions of whoever runs `npx projen ecr:ensure` and',
      '  `npx projen ecr:status`: `ecr:DescribeRegistry` (the account check, on `*`), then exactly',
      '  the calls those tasks make, on the declared repositories only.',
      '- `ecr-repositories.json`: what those tasks read: the account, the repositories, their',
      '  lifecycle policy, tag immutability, scan setting and size thresholds.',
      '',
    ];
  }
}

function policyFile(scope: Component, path: string, render: () => PolicyDocument): void {
  new JsonFile(scope, path, { marker: false, obj: { toJSON: render } });
}
