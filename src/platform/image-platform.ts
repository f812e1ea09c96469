import { join } from 'node:path';
import { Component } from 'projen/lib/component';
import * as github from 'projen/lib/github';
import * as javascript from 'projen/lib/javascript';
import { Project } from 'projen/lib/project';
import { CONTAINER_IMAGE_OPTION_KEYS, ContainerImage, ContainerImageOptions, PlatformView } from './container-image';
import { AwsSetup } from '../aws/aws-setup';
import type { LifecyclePolicyDocument, TagImmutability } from '../aws/ecr-manifest';
import { defaultLifecycleRules, renderLifecyclePolicy } from '../aws/lifecycle-policy';
import { renderTagImmutability } from '../aws/tag-immutability';
import { GitHubRepository } from '../declaration/github-repository';
import { LifecycleRule } from '../declaration/lifecycle-rule';
import { OidcRole } from '../declaration/oidc-role';
import { instanceOf, listOf, nested, OptionKeys, optional, required } from '../declaration/option-keys';
import { Registry } from '../declaration/registry';
import { resolveTagPolicy, TAGGING_OPTION_KEYS, TaggingOptions, TagPolicy } from '../declaration/tagging';
import { TrustScope } from '../declaration/trust-scope';
import { duplicates, Violations } from '../declaration/violations';
import { BuildArgsFile } from '../docker/build-args-file';
import { BuildContextIgnore } from '../docker/build-context-ignore';
import { ImageDockerfile } from '../docker/image-dockerfile';
import { LocalImageTasks } from '../docker/local-image-tasks';
import { ToolKeyFile } from '../docker/tool-key-file';
import { PinnedAction, pinActions, pinnedVersions, useActionTable } from '../github/actions';
import { ImageBuildWorkflow, ImageWorkflow } from '../github/image-build-workflow';
import { MultiPlatformBuildWorkflow } from '../github/multi-platform-build-workflow';
import { PULL_REQUEST_BUILD_OPTION_KEYS, PullRequestBuildOptions, PullRequestChecks } from '../github/pull-request-checks';
import { WorkflowComments } from '../github/workflow-comments';
import { WorkflowsReadme } from '../github/workflows-readme';
import { PINS_LOCK_FILE, PinsLock, readPinsLock } from '../pins/lock-file';
import { PinsUpgrade } from '../pins/pins-upgrade';
import { UPGRADE_WORKFLOW_OPTION_KEYS, UpgradeWorkflowOptions } from '../pins/upgrade-workflow';
import { LibrarySettings } from '../shell/library';

/** The settings every image shares, declared once in `.projenrc.ts`. */
export interface ImagePlatformOptions {
  /** The registry images are pushed to, e.g. `Registry.ecr({ account, region })`. */
  readonly registry: Registry;
  /**
   * The IAM role the workflows assume by OIDC.
   * @default OidcRole.fromSecret('AWS_ROLE_ARN')
   */
  readonly role?: OidcRole;
  /**
   * How pushes, git tags and dispatches map to image tags.
   * @default - `main` → `latest`, `develop` → `develop-<sha7>`, `v*` → the git tag
   */
  readonly tagging?: TaggingOptions;
  /**
   * Default runner labels for every image.
   * @default ['ubuntu-latest']
   */
  readonly runsOn?: string[];
  /**
   * Default job timeout for every image, in minutes.
   * @default 60
   */
  readonly timeoutMinutes?: number;
  /**
   * The GitHub repository whose workflows push the images, e.g.
   * `GitHubRepository.of('acme', 'ml-platform', { ownerId: 12345678, repositoryId: 123456789 })`.
   * Only its runs may assume the role: it is the subject of the generated trust policy.
   * @default - no trust policy is generated
   * @see https://docs.github.com/en/actions/reference/security/oidc
   */
  readonly githubRepository?: GitHubRepository;
  /**
   * Which runs of that repository the trust policy accepts.
   * @default TrustScope.imageRefs() - the latest branch, snapshot branches and release tags
   */
  readonly trustScope?: TrustScope;
  /**
   * The lifecycle policy `ecr:ensure` puts on every declared repository.
   * `buildcache`, `latest` and release tags are never expired, whatever the
   * rules; an empty list keeps every image forever.
   * @default - keep the last 20 images of each snapshot branch (`develop-*`), expire untagged images after 14 days
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
   */
  readonly lifecycleRules?: LifecycleRule[];
  /**
   * How projen's build workflow runs the project's own checks on a pull
   * request: in a job container, after an install command, then the tests.
   * @default - projen's build job, with the platform's drift check
   */
  readonly pullRequestBuild?: PullRequestBuildOptions;
  /**
   * What every pinned input resolved to: the actions' commits, the base
   * images' digests, the tools' versions and checksums, the Python packages'
   * versions. Written by `npx projen upgrade-pins`; declarations in
   * `.projenrc.ts` that give a version take precedence.
   * @default - read from `pins.lock.json` at the project root
   */
  readonly pins?: PinsLock;
  /**
   * The weekly workflow that runs `npx projen upgrade-pins` and projen's npm
   * upgrade and proposes the result as one pull request.
   * @default - Mondays 05:17 UTC, the `PROJEN_GITHUB_TOKEN` secret
   */
  readonly upgrade?: UpgradeWorkflowOptions;
}

const IMAGE_PLATFORM_OPTION_KEYS = new OptionKeys<ImagePlatformOptions>('ImagePlatformOptions', {
  registry: required(instanceOf(Registry, 'Registry.ecr({ account, region })')),
  role: optional(instanceOf(OidcRole, 'OidcRole.fromSecret(name) or OidcRole.fromArn(arn)')),
  tagging: optional(nested(TAGGING_OPTION_KEYS)),
  runsOn: optional(),
  timeoutMinutes: optional(),
  githubRepository: optional(instanceOf(GitHubRepository, 'GitHubRepository.of(owner, name)')),
  trustScope: optional(instanceOf(TrustScope, 'TrustScope.imageRefs() or TrustScope.anyRef()')),
  lifecycleRules: optional(listOf(instanceOf(LifecycleRule, 'LifecycleRule.keepLast(...), .expireAfterDays(...) or .expireUntaggedAfterDays(...)'))),
  pullRequestBuild: optional(nested(PULL_REQUEST_BUILD_OPTION_KEYS)),
  // A lock read from a file is validated by readPinsLock.
  pins: optional(),
  upgrade: optional(nested(UPGRADE_WORKFLOW_OPTION_KEYS)),
});

/**
 * The ML platform's images: one registry, one OIDC role and the images built
 * into it, each with a generated GitHub Actions workflow. The platform also
 * documents the workflows (`WorkflowsReadme`), adds its pull request checks to
 * projen's build workflow (`PullRequestChecks`) and routes every workflow's
 * actions through `ACTIONS`, pinned to commits with their versions as comments.
 */
export class ImagePlatform extends Component implements PlatformView {
  /** The platform of a project, if it declares one. */
  public static of(project: Project): ImagePlatform | undefined {
    return project.components.find((c): c is ImagePlatform => c instanceof ImagePlatform);
  }

  public readonly registry: Registry;
  public readonly role: OidcRole;
  public readonly tagPolicy: TagPolicy;
  public readonly runsOn: string[];
  public readonly timeoutMinutes: number;
  public readonly github: github.GitHub;
  public readonly githubRepository?: GitHubRepository;
  public readonly trustScope: TrustScope;
  public readonly lifecycleRules: readonly LifecycleRule[];
  /** The lifecycle policy of every repository, `undefined` when images are kept forever. */
  public readonly lifecyclePolicy?: LifecyclePolicyDocument;
  /** The tag immutability of every repository: release tags immutable, the tags the workflows move excluded. */
  public readonly tagImmutability: TagImmutability;
  /** The local build, test and push tasks. */
  public readonly localTasks: LocalImageTasks;
  /** The generated `.github/workflows/README.md`. */
  public readonly readme: WorkflowsReadme;
  /** What the build workflow checks on pull requests, if the project has projen's build workflow. */
  public readonly pullRequestChecks?: PullRequestChecks;
  /** What every pinned input resolved to. */
  public readonly pins: PinsLock;
  private readonly _images: ContainerImage[] = [];
  private aws?: AwsSetup;
  /** The reusable workflow every image workflow calls, once there is an image. */
  private buildWorkflow?: ImageBuildWorkflow;
  private multiPlatformWorkflow?: MultiPlatformBuildWorkflow;
  /** The action commits the lock pins, with their release tags. */
  private readonly actionPins: readonly PinnedAction[];

  constructor(project: Project, options: ImagePlatformOptions) {
    IMAGE_PLATFORM_OPTION_KEYS.check('ImagePlatform', options);
    super(project, 'image-platform');
    const gh = github.GitHub.of(project);
    if (!gh) {
      throw new Error('ImagePlatform needs a project with GitHub support: set `github: true` in the project options');
    }
    this.github = gh;
    this.pins = options.pins ?? readPinsLock(join(project.outdir, PINS_LOCK_FILE));
    const actions = pinActions(this.pins);
    const lockViolations = new Violations();
    actions.problems.forEach((p) => lockViolations.add(p));
    lockViolations.throwIfAny(`The actions the workflows use are not all pinned by ${PINS_LOCK_FILE}`);
    this.registry = options.registry;
    this.role = options.role ?? OidcRole.fromSecret('AWS_ROLE_ARN');
    this.tagPolicy = resolveTagPolicy(options.tagging);
    this.runsOn = options.runsOn ?? ['ubuntu-latest'];
    this.timeoutMinutes = options.timeoutMinutes ?? 60;
    this.githubRepository = options.githubRepository;
    this.trustScope = options.trustScope ?? TrustScope.imageRefs();
    this.lifecycleRules = options.lifecycleRules ?? defaultLifecycleRules(this.tagPolicy);
    this.lifecyclePolicy = renderLifecyclePolicy(this.lifecycleRules, this.tagPolicy, options.lifecycleRules
      ? 'Invalid lifecycle rules'
      : 'The default lifecycle rules, derived from the snapshot branches, do not fit the tagging: declare `lifecycleRules`');
    this.tagImmutability = renderTagImmutability(this.tagPolicy);
    this.localTasks = new LocalImageTasks(this);
    new LibrarySettings(project, this.tagPolicy);
    new BuildContextIgnore(project);
    useActionTable(gh, actions.pins);
    this.actionPins = actions.pins;
    if (project instanceof javascript.NodeProject && project.buildWorkflow) {
      this.pullRequestChecks = new PullRequestChecks(this, project.buildWorkflow, options.pullRequestBuild);
    }
    this.readme = new WorkflowsReadme(this, this.pullRequestChecks);
    new PinsUpgrade(this, gh, options.upgrade);
  }

  /**
   * Adds the workflow comments last: a component created now is the project's
   * last, so it synthesizes after every workflow file, projen's build
   * workflow and workflows declared after the platform included, is written.
   */
  public override preSynthesize(): void {
    if (!this.project.components.some((c) => c instanceof WorkflowComments)) {
      new WorkflowComments(this.project, pinnedVersions(this.actionPins));
    }
  }

  /** The declared images, in declaration order. */
  public get images(): readonly ContainerImage[] {
    return [...this._images];
  }

  /**
   * Declares an image and generates its workflow, its Dockerfile (unless it is
   * hand-written) with the signing keys of its tools, its build arguments file
   * and its local tasks.
   *
   * Fails at once, before anything is generated, when the image clashes with
   * one declared earlier: the same id, workflow file, workflow name or ECR
   * repository.
   */
  public addImage(options: ContainerImageOptions): ContainerImage {
    CONTAINER_IMAGE_OPTION_KEYS.check(`addImage #${this._images.length + 1}`, options);
    const image = new ContainerImage(this, options);
    const clashes = new Violations();
    this.clashes([...this._images, image]).forEach((c) => clashes.add(c));
    if (!clashes.empty) {
      this.node.tryRemoveChild(image.node.id);
      clashes.throwIfAny(`Image '${image.imageId}' clashes with an image declared before it`);
    }
    this._images.push(image);
    // One reusable workflow holds the image job; each image's workflow calls it.
    this.buildWorkflow ??= new ImageBuildWorkflow(this.github, this);
    // Generated only once an image of several platforms is declared.
    if (image.multiPlatform) {
      this.multiPlatformWorkflow ??= new MultiPlatformBuildWorkflow(this.github, this);
    }
    new ImageWorkflow(this.github, image);
    // The AWS documents and ECR tasks only make sense once there is a repository.
    this.aws ??= new AwsSetup(this);
    if (image.dockerfileGenerated) {
      new ImageDockerfile(image);
      // One file per key, shared by every image whose tools it verifies.
      for (const tool of image.tools) {
        if (tool.signingKey && !this.project.tryFindFile(tool.signingKey.path)) {
          new ToolKeyFile(this.project, tool.signingKey, tool.title);
        }
      }
    }
    new BuildArgsFile(image);
    this.localTasks.addImage(image);
    return image;
  }

  private clashes(images: readonly ContainerImage[]): string[] {
    const rules: Array<[string, (i: ContainerImage) => string, string]> = [
      ['image id', (i) => i.imageId, 'give one of them another `id`'],
      ['workflow file', (i) => i.workflowFileName, 'give one of them another `workflowFileName`'],
      ['workflow name', (i) => i.workflowName, '`gh workflow run` could not tell them apart; give one another `workflowName`'],
      ['ECR repository', (i) => i.repository, 'each image needs its own repository, or its tags and build cache overwrite the other\'s'],
    ];
    // Two declarations can share every name, so each is told apart by its place and repository.
    const named = (owners: readonly ContainerImage[]) => owners
      .map((o) => `'${o.imageId}' (addImage #${images.indexOf(o) + 1}, repository '${o.repository}')`).join(' and ');
    const generated = images.filter((i) => i.dockerfileGenerated);
    const dockerfiles = [...duplicates(generated, (i) => i.dockerfile)].map(([path, owners]) =>
      `generated Dockerfile '${path}' is used by ${named(owners)}: give one of them another \`dockerfile\` path`);
    return [...rules.flatMap(([what, key, fix]) =>
      [...duplicates(images, key)].map(([value, owners]) =>
        `${what} '${value}' is used by ${named(owners)}: ${fix}`)), ...dockerfiles];
  }
}
