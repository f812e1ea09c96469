import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Component } from 'projen/lib/component';
import type { PlatformScope } from './platform-settings';
import { DockerfileSource } from '../declaration/dockerfile-source';
import { ImageKind } from '../declaration/image-kind';
import { roleSessionNameViolation } from '../declaration/oidc-role';
import { Pipeline } from '../declaration/pipeline';
import { PythonPackage } from '../declaration/python-package';
import { ScriptCopy } from '../declaration/script-copy';
import { Size } from '../declaration/size';
import { TargetPlatform } from '../declaration/target-platform';
import { Tool } from '../declaration/tool';
import {
  duplicates, ecrRepositoryViolation, nameViolation, repoPathViolation, Violations, workflowFileViolation,
} from '../declaration/violations';
import { BuildArg, PROVENANCE_ARGS } from '../docker/build-args';
import { copiedPaths, handWrittenDockerfileViolations } from '../docker/dockerfile-args';
import { REUSABLE_WORKFLOW_PATH } from '../github/image-steps';
import { literalPathFilter, pathFilterViolation } from '../github/path-filter';
import { fingerprintArguments } from '../shell/fingerprint';
import { LIBRARY_DIR } from '../shell/library';

// An image reference: [host[:port]/]name[:tag][@sha256:digest], lower-case name components.
const IMAGE_REFERENCE = /^([A-Za-z0-9.-]+(:[0-9]+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** One image: where it goes, what is in it and how its workflow runs. */
export interface ContainerImageOptions {
  /** The pipeline the image belongs to, e.g. `Pipeline.of('triton')`. */
  readonly pipeline: Pipeline;
  /** The image's role, e.g. `ImageKind.TRAINING`. */
  readonly kind: ImageKind;
  /**
   * The ECR repository the image is pushed to.
   * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
   */
  readonly repository: string;

  /**
   * Unique id, used in task names such as `build-image:<id>`.
   * @default `<pipeline>-<kind>`
   */
  readonly id?: string;
  /**
   * The workflow's `name`, which `gh workflow run` takes.
   * @default `Build <Pipeline title> <Kind title> Image`
   */
  readonly workflowName?: string;
  /**
   * The workflow file under `.github/workflows/`.
   * @default `<pipeline>-build-<kind>-image.yaml`
   */
  readonly workflowFileName?: string;
  /**
   * The image's Dockerfile: a path where projen generates it from the layers
   * below, `DockerfileSource.generated(path)` for the same, or
   * `DockerfileSource.handWritten(path)` for one you maintain.
   * @default DockerfileSource.generated() - at `docker/<pipeline>/Dockerfile.<kind>`
   */
  readonly dockerfile?: string | DockerfileSource;
  /**
   * Size above which the workflow warns (it never fails for size).
   * @default - the kind's: 3 GB for training, 1 GB for deployment
   */
  readonly sizeWarning?: Size;
  /**
   * Remove the runner's unused toolchains before building, for images that
   * need the disk room.
   * @default - the kind's: true for training, false for deployment
   */
  readonly freeDiskSpace?: boolean;
  /**
   * The OS and architecture the image is built for, by the workflow and by
   * every local engine alike, so a laptop of another architecture builds the
   * same image CI does.
   * @default TargetPlatform.LINUX_AMD64 - what GitHub's hosted runners run
   */
  readonly targetPlatform?: TargetPlatform;
  /**
   * Runner labels, so a heavy image can move to a larger or self-hosted runner.
   * @default - the platform's, `['ubuntu-latest']` unless set there
   * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idruns-on
   */
  readonly runsOn?: string[];
  /**
   * Minutes before GitHub cancels the job.
   * @default - the platform's, 60 unless set there
   */
  readonly timeoutMinutes?: number;
  /**
   * Further path filters that rebuild the image, besides its script folders,
   * its Dockerfile and its workflow file.
   * @default []
   */
  readonly extraPaths?: string[];

  /**
   * The base image.
   * @default 'python:3.11-slim'
   */
  readonly baseImage?: string;
  /**
   * Debian packages installed with apt.
   * @default []
   */
  readonly systemPackages?: string[];
  /**
   * Large Python packages such as torch, installed in a layer of their own
   * before the others, so a change to the light packages reuses it.
   * @default []
   */
  readonly heavyPythonPackages?: Array<string | PythonPackage>;
  /**
   * The other Python packages.
   * @default []
   */
  readonly pythonPackages?: Array<string | PythonPackage>;
  /**
   * Vendor tools installed from pinned, verified releases.
   * @default [Tool.awsCliV2()]
   */
  readonly tools?: Tool[];
  /**
   * Repository folders copied into the image; each is also a path filter.
   * @default [ScriptCopy.of('<kind>/<pipeline>', '/scripts')]
   */
  readonly scripts?: ScriptCopy[];
  /**
   * Environment variables set in the image.
   * @default {}
   */
  readonly env?: Record<string, string>;
  /**
   * The image's working directory.
   * @default - the first script destination, `/scripts` by default
   */
  readonly workdir?: string;
}

/**
 * A container image declared once: its workflow and, through the platform,
 * everything else generated for it follow from this declaration.
 *
 * Create it with `ImagePlatform.addImage()`.
 */
export class ContainerImage extends Component {
  public readonly imageId: string;
  public readonly pipeline: Pipeline;
  public readonly kind: ImageKind;
  public readonly repository: string;
  public readonly workflowName: string;
  public readonly workflowFileName: string;
  /** The Dockerfile's path relative to the repository root. */
  public readonly dockerfile: string;
  /** Whether projen generates the Dockerfile from the layers (otherwise it is hand-written). */
  public readonly dockerfileGenerated: boolean;
  public readonly sizeWarning: Size;
  public readonly targetPlatform: TargetPlatform;
  public readonly freeDiskSpace: boolean;
  public readonly runsOn: string[];
  public readonly timeoutMinutes: number;
  public readonly baseImage: string;
  public readonly systemPackages: readonly string[];
  public readonly heavyPythonPackages: readonly PythonPackage[];
  public readonly pythonPackages: readonly PythonPackage[];
  public readonly tools: readonly Tool[];
  public readonly scripts: readonly ScriptCopy[];
  public readonly env: Readonly<Record<string, string>>;
  public readonly workdir: string;
  private readonly extraPaths: readonly string[];
  private _buildInputs?: readonly string[];
  private _pathFilters?: readonly string[];

  /** @internal use `ImagePlatform.addImage()` */
  constructor(public readonly platform: PlatformScope, options: ContainerImageOptions) {
    const { pipeline, kind } = options;
    const imageId = options.id ?? `${pipeline.name}-${kind.name}`;
    // The construct id is positional: a clash of declared ids is reported by the
    // platform with both images named, not by the construct tree.
    super(platform, `image-${platform.node.children.length}`);
    this.imageId = imageId;
    this.pipeline = pipeline;
    this.kind = kind;
    this.repository = options.repository;
    this.workflowName = options.workflowName ?? `Build ${pipeline.title} ${kind.title} Image`;
    this.workflowFileName = options.workflowFileName ?? `${pipeline.name}-build-${kind.name}-image.yaml`;
    const source = typeof options.dockerfile === 'string'
      ? DockerfileSource.generated(options.dockerfile)
      : options.dockerfile ?? DockerfileSource.generated();
    this.dockerfile = source.path ?? `docker/${pipeline.name}/Dockerfile.${kind.name}`;
    this.dockerfileGenerated = source.generated;
    this.sizeWarning = options.sizeWarning ?? kind.sizeWarning;
    this.targetPlatform = options.targetPlatform ?? TargetPlatform.LINUX_AMD64;
    this.freeDiskSpace = options.freeDiskSpace ?? kind.freeDiskSpace;
    this.runsOn = options.runsOn ?? platform.runsOn;
    this.timeoutMinutes = options.timeoutMinutes ?? platform.timeoutMinutes;
    this.extraPaths = options.extraPaths ?? [];
    this.baseImage = options.baseImage ?? 'python:3.11-slim';
    this.systemPackages = options.systemPackages ?? [];
    this.heavyPythonPackages = (options.heavyPythonPackages ?? []).map(PythonPackage.from);
    this.pythonPackages = (options.pythonPackages ?? []).map(PythonPackage.from);
    this.tools = options.tools ?? [Tool.awsCliV2()];
    this.scripts = options.scripts ?? [ScriptCopy.of(`${kind.name}/${pipeline.name}`, '/scripts')];
    this.env = options.env ?? {};
    this.workdir = options.workdir ?? this.scripts[0]?.destination ?? '/';
    try {
      this.validate();
    } catch (e) {
      // A rejected declaration leaves nothing behind in the project.
      platform.node.tryRemoveChild(this.node.id);
      throw e;
    }
  }

  /** The full image name without tag, e.g. `<registry>/triton-training-tools`. */
  public get repositoryUri(): string {
    return this.platform.registry.repositoryUri(this.repository);
  }

  /** The workflow file's path in the repository. */
  public get workflowPath(): string {
    return `.github/workflows/${this.workflowFileName}`;
  }

  /** Every Python package, heavy ones first, in install order. */
  public get allPythonPackages(): readonly PythonPackage[] {
    return [...this.heavyPythonPackages, ...this.pythonPackages];
  }

  /** The modules the smoke test imports: one per Python dependency. */
  public get importNames(): readonly string[] {
    return [...new Set(this.allPythonPackages.map((p) => p.importName))];
  }

  /**
   * The smoke test: `python -c` importing every Python dependency, run inside
   * the built image by the workflow and by the local `test-image` task.
   */
  public get smokeTestCommand(): string[] {
    // With nothing declared to import, the smoke test still proves the interpreter starts.
    return ['python', '-c', this.importNames.length > 0 ? `import ${this.importNames.join(', ')}` : 'pass'];
  }

  /**
   * The build arguments with values from the declaration: the base image, each
   * pinned Python package's version and each tool's version and mirror.
   */
  public get buildArgs(): readonly BuildArg[] {
    return [
      { name: 'BASE_IMAGE', value: this.baseImage },
      ...this.allPythonPackages.flatMap((p) => p.buildArg && p.version ? [{ name: p.buildArg, value: p.version }] : []),
      ...this.tools.flatMap((t) => t.buildArgs),
    ];
  }

  /** The name of every build argument projen passes: {@link buildArgs}, then the provenance ones. */
  public get buildArgNames(): readonly string[] {
    return [...this.buildArgs.map((a) => a.name), ...PROVENANCE_ARGS.map((a) => a.name)];
  }

  /** The generated file that lists {@link buildArgs}, next to the Dockerfiles. */
  public get buildArgsFile(): string {
    return `docker/${this.pipeline.name}/${this.imageId}.build-args`;
  }

  /**
   * The repository paths the image is built from: its Dockerfile, its build
   * arguments file and everything the Dockerfile copies from the build
   * context (script folders, signing keys). A change to one of them that is
   * not committed makes the image differ from the commit its labels name.
   */
  public get buildInputs(): readonly string[] {
    // Computed once: a hand-written Dockerfile is read and parsed at the first call only.
    this._buildInputs ??= this.readBuildInputs();
    return this._buildInputs;
  }

  /**
   * The workflow's path filters: the script folders, extra paths, every other
   * path of the inputs fingerprint (the Dockerfile, its build arguments file,
   * the tools' signing keys, what a hand-written Dockerfile copies, the
   * `.dockerignore`), the workflow file itself, the reusable workflow and the
   * shell library it calls: a change that changes the fingerprint or the job
   * runs the workflow. Declared paths are escaped, so each matches
   * only itself; extra paths are filters as written.
   */
  public get pathFilters(): readonly string[] {
    this._pathFilters ??= this.computePathFilters();
    return this._pathFilters;
  }

  private readBuildInputs(): readonly string[] {
    const copied = this.dockerfileGenerated
      ? [...new Set(this.tools.flatMap((t) => (t.signingKey ? [t.signingKey.path] : []))), ...this.scripts.map((s) => s.source)]
      : copiedPaths(readFileSync(join(this.project.outdir, this.dockerfile), 'utf8'));
    return [...new Set([this.dockerfile, this.buildArgsFile, ...copied])];
  }

  private computePathFilters(): readonly string[] {
    const scripts = new Set(this.scripts.map((s) => s.source));
    const inputs = fingerprintArguments(this).filter((path) => !scripts.has(path)).map((path) =>
      (this.isFolder(path) ? `${literalPathFilter(path)}/**` : literalPathFilter(path)));
    return [
      ...this.scripts.map((s) => s.pathFilter),
      ...this.extraPaths,
      ...inputs,
      literalPathFilter(this.workflowPath),
      // What the job does is written there, for every image: a change there changes this image's job.
      literalPathFilter(REUSABLE_WORKFLOW_PATH),
      `${literalPathFilter(LIBRARY_DIR)}/**`,
    ];
  }

  /** Whether a path of the repository is a folder; a COPY source of a hand-written Dockerfile can be either. */
  private isFolder(path: string): boolean {
    return !this.dockerfileGenerated && existsSync(join(this.project.outdir, path)) && statSync(join(this.project.outdir, path)).isDirectory();
  }

  private validate(): void {
    const v = new Violations();
    v.add(nameViolation('image id', this.imageId));
    v.add(roleSessionNameViolation(this.imageId));
    v.add(ecrRepositoryViolation(this.repository));
    v.add(workflowFileViolation(this.workflowFileName));
    v.add(repoPathViolation('Dockerfile', this.dockerfile));
    if (posix.normalize(this.dockerfile).endsWith('/')) {
      v.add(`Dockerfile '${this.dockerfile}' names a folder: give the file, e.g. 'docker/triton/Dockerfile.training'`);
    }
    for (const path of this.extraPaths) {
      v.add(repoPathViolation('path filter', path) ?? pathFilterViolation(path));
    }
    if (this.workflowName.trim() === '') {
      v.add('workflow name is empty: give the name `gh workflow run` will use, e.g. \'Build Triton Training Image\'');
    }
    if (this.runsOn.length === 0) {
      v.add('runsOn is empty: give at least one runner label, e.g. [\'ubuntu-latest\']');
    }
    if (!Number.isInteger(this.timeoutMinutes) || this.timeoutMinutes <= 0 || this.timeoutMinutes > 360) {
      v.add(`timeoutMinutes ${this.timeoutMinutes} must be a whole number of minutes from 1 to 360 (GitHub's limit for hosted runners)`);
    }
    for (const name of duplicates(this.allPythonPackages, (p) => p.name.toLowerCase()).keys()) {
      v.add(`Python package '${name}' is declared twice: keep one declaration`);
    }
    for (const pkg of this.systemPackages) {
      if (!/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+:~-]+)?$/.test(pkg)) {
        v.add(`system package '${pkg}' is not a Debian package name such as 'libgomp1' (optionally '=<version>')`);
      }
    }
    for (const [name, value] of Object.entries(this.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        v.add(`environment variable '${name}' must be letters, digits and '_', not starting with a digit`);
      }
      if (/[\n\r]/.test(value)) {
        v.add(`environment variable '${name}' has a line break in its value: a Dockerfile ENV value is one line`);
      }
    }
    if (!IMAGE_REFERENCE.test(this.baseImage)) {
      v.add(`base image '${this.baseImage}' is not an image reference such as 'python:3.11-slim' or 'registry.example.com/team/python:3.11@sha256:<digest>'`);
    }
    if (!posix.isAbsolute(this.workdir) || /[\s"'$\\]/.test(this.workdir)) {
      v.add(`workdir '${this.workdir}' must be an absolute folder without spaces, quotes, '$' or '\\', e.g. '/scripts'`);
    }
    for (const [name, owners] of duplicates(this.buildArgNames, (n) => n)) {
      v.add(`build argument '${name}' would be passed ${owners.length} times (two tools, or a pinned Python package whose name maps to another argument): pin only one of them`);
    }
    if (!this.dockerfileGenerated && repoPathViolation('Dockerfile', this.dockerfile) === undefined) {
      for (const message of handWrittenDockerfileViolations(this.project.outdir, this.dockerfile, this.buildArgNames, this.smokeTestCommand)) {
        v.add(message);
      }
    }
    v.throwIfAny(`Invalid image declaration '${this.imageId}'`);
  }
}

/**
 * The platform as the components that span every image see it: the shared
 * settings and the images declared so far.
 */
export interface PlatformView extends PlatformScope {
  /** The declared images, in declaration order. */
  readonly images: readonly ContainerImage[];
}
