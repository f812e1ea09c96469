import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Component } from 'projen/lib/component';
import type { PlatformScope } from './platform-settings';
import { DockerfileSource } from '../declaration/dockerfile-source';
import { ImageKind } from '../declaration/image-kind';
import { roleSessionNameViolation } from '../declaration/oidc-role';
import { instanceOf, listOf, OptionKeys, optional, required } from '../declaration/option-keys';
import { Pipeline } from '../declaration/pipeline';
import { PythonPackage } from '../declaration/python-package';
import { ScriptCopy } from '../declaration/script-copy';
import { Size } from '../declaration/size';
import { TargetPlatform } from '../declaration/target-platform';
import { PinnedTool, Tool } from '../declaration/tool';
import {
  duplicates, ecrRepositoryViolation, nameViolation, repoPathViolation, Violations, workflowFileViolation,
} from '../declaration/violations';
import { BuildArg, DEFAULT_PIP_INDEX_URL, PIP_INDEX_URL_ARG, PROVENANCE_ARGS } from '../docker/build-args';
import { handWrittenDockerfileViolations } from '../docker/dockerfile-args';
import { DockerfileContextUse, dockerfileContextUse, platformPath } from '../docker/dockerfile-context';
import { MULTI_PLATFORM_WORKFLOW_PATH, REUSABLE_WORKFLOW_PATH } from '../github/image-steps';
import { literalPathFilter, pathFilterViolation } from '../github/path-filter';
import { PINS_LOCK_FILE, PinsLock, UPGRADE_PINS_FIX } from '../pins/lock-file';
import { imagePython } from '../pins/wheel-platforms';
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
   * Every platform the image is built for. With more than one, each is built
   * natively on its own runner (`TargetPlatform.of(value, { runsOn })`) and
   * the results are merged into one image index; supersedes `targetPlatform`,
   * which cannot be declared with it.
   * @default - `[targetPlatform]`, i.e. `[TargetPlatform.LINUX_AMD64]`
   * @see https://github.com/opencontainers/image-spec/blob/main/image-index.md
   */
  readonly platforms?: TargetPlatform[];
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
   * The image is built from the digest the lock pins for this reference
   * (`baseImages` in `pins.lock.json`), unless the reference carries its own
   * digest or names local storage (`localhost/...`).
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

const PYTHON_PACKAGE = instanceOf(PythonPackage, 'a name, or PythonPackage.of(name, { version, importName })', true);

/** The keys of {@link ContainerImageOptions}, checked when `.projenrc.ts` runs. */
export const CONTAINER_IMAGE_OPTION_KEYS = new OptionKeys<ContainerImageOptions>('ContainerImageOptions', {
  pipeline: required(instanceOf(Pipeline, 'Pipeline.of(name, title)')),
  kind: required(instanceOf(ImageKind, 'ImageKind.TRAINING, ImageKind.DEPLOYMENT or ImageKind.custom(name, options)')),
  repository: required(),
  id: optional(),
  workflowName: optional(),
  workflowFileName: optional(),
  dockerfile: optional(instanceOf(DockerfileSource, 'a path, DockerfileSource.generated(path) or DockerfileSource.handWritten(path)', true)),
  sizeWarning: optional(instanceOf(Size, 'Size.gigabytes(n) or Size.megabytes(n)')),
  freeDiskSpace: optional(),
  targetPlatform: optional(instanceOf(TargetPlatform, 'TargetPlatform.LINUX_AMD64 or TargetPlatform.LINUX_ARM64')),
  platforms: optional(listOf(instanceOf(TargetPlatform, "TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64 or TargetPlatform.of('linux/arm64', { runsOn })"))),
  runsOn: optional(),
  timeoutMinutes: optional(),
  extraPaths: optional(),
  baseImage: optional(),
  systemPackages: optional(),
  heavyPythonPackages: optional(listOf(PYTHON_PACKAGE)),
  pythonPackages: optional(listOf(PYTHON_PACKAGE)),
  tools: optional(listOf(instanceOf(Tool, 'Tool.awsCliV2() or Tool.kubectl()'))),
  scripts: optional(listOf(instanceOf(ScriptCopy, 'ScriptCopy.of(source, destination)'))),
  env: optional(),
  workdir: optional(),
});

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
  /** The first of {@link platforms}: the only one of a single-platform image. */
  public readonly targetPlatform: TargetPlatform;
  /** Every platform the image is built for, in declared order. */
  public readonly platforms: readonly TargetPlatform[];
  public readonly freeDiskSpace: boolean;
  public readonly runsOn: string[];
  public readonly timeoutMinutes: number;
  /** The base image as declared, e.g. `python:3.11-slim`. */
  public readonly baseImage: string;
  /** The base image as built: pinned to the lock's index digest, e.g. `python:3.11-slim@sha256:...`. */
  public readonly baseImageReference: string;
  public readonly systemPackages: readonly string[];
  public readonly heavyPythonPackages: readonly PythonPackage[];
  public readonly pythonPackages: readonly PythonPackage[];
  /** Every tool, pinned to its declared or locked release. */
  public readonly tools: readonly PinnedTool[];
  public readonly scripts: readonly ScriptCopy[];
  public readonly env: Readonly<Record<string, string>>;
  public readonly workdir: string;
  private readonly extraPaths: readonly string[];
  private readonly declaresBoth: boolean;
  private readonly declaresRunsOn: boolean;
  private contextUse?: DockerfileContextUse;
  /** Declared inputs the lock cannot pin, one line each. */
  private readonly unpinned: string[] = [];
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
    this.platforms = options.platforms ?? [options.targetPlatform ?? TargetPlatform.LINUX_AMD64];
    this.targetPlatform = this.platforms[0] ?? TargetPlatform.LINUX_AMD64;
    this.declaresBoth = options.platforms !== undefined && options.targetPlatform !== undefined;
    this.declaresRunsOn = options.runsOn !== undefined;
    this.freeDiskSpace = options.freeDiskSpace ?? kind.freeDiskSpace;
    this.runsOn = options.runsOn ?? platform.runsOn;
    this.timeoutMinutes = options.timeoutMinutes ?? platform.timeoutMinutes;
    this.extraPaths = options.extraPaths ?? [];
    this.baseImage = options.baseImage ?? 'python:3.11-slim';
    // A reference that is not one is reported by validate(), not as unpinned.
    const base = IMAGE_REFERENCE.test(this.baseImage) ? this.pinned(pinBaseImage(this.baseImage, platform.pins)) : undefined;
    this.baseImageReference = base?.reference ?? this.baseImage;
    this.systemPackages = options.systemPackages ?? [];
    const pinPackages = (specs: Array<string | PythonPackage> = []): PythonPackage[] =>
      specs.map(PythonPackage.from).map((p) => this.pinned(p.pin(platform.pins)) ?? p);
    this.heavyPythonPackages = pinPackages(options.heavyPythonPackages);
    this.pythonPackages = pinPackages(options.pythonPackages);
    this.tools = (options.tools ?? [Tool.awsCliV2()]).flatMap((t) => this.pinned(t.pin(platform.pins)) ?? []);
    this.scripts = options.scripts ?? [ScriptCopy.defaultFor(pipeline, kind)];
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

  /** The pinned value, or undefined after recording why the lock cannot pin it. */
  private pinned<T>(result: T | string): T | undefined {
    if (typeof result === 'string') {
      this.unpinned.push(result);
      return undefined;
    }
    return result;
  }

  /** The full image name without tag, e.g. `<registry>/triton-training-tools`. */
  public get repositoryUri(): string {
    return this.platform.registry.repositoryUri(this.repository);
  }

  /** Whether the image is built for more than one platform, and merged into an index. */
  public get multiPlatform(): boolean {
    return this.platforms.length > 1;
  }

  /**
   * The runner labels of each platform's build: a single-platform image's
   * `runsOn` (as before platforms existed), else the platform's own.
   */
  public runnerOf(target: TargetPlatform): readonly string[] {
    return this.multiPlatform ? target.runsOn ?? [] : target.declaredRunsOn ?? this.runsOn;
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
   * The build arguments with values from the declaration: the base image,
   * pip's index (a generated Dockerfile with Python packages), each pinned
   * Python package's version and each tool's version and mirror.
   */
  public get buildArgs(): readonly BuildArg[] {
    const pipIndex = this.dockerfileGenerated && this.allPythonPackages.length > 0;
    return [
      { name: 'BASE_IMAGE', value: this.baseImageReference },
      ...(pipIndex ? [{ name: PIP_INDEX_URL_ARG, value: DEFAULT_PIP_INDEX_URL }] : []),
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
   * arguments file and everything the Dockerfile copies or bind-mounts from
   * the build context (script folders, signing keys; for a hand-written one,
   * see `dockerfileContextUse`). A change to one of them that is not
   * committed makes the image differ from the commit its labels name. A path
   * a hand-written Dockerfile copies per platform keeps its platform argument
   * (`bin/${TARGETARCH}`): each platform's fingerprint expands it.
   */
  public get buildInputs(): readonly string[] {
    // Computed once: a hand-written Dockerfile is read and parsed at the first call only.
    this._buildInputs ??= this.readBuildInputs();
    return this._buildInputs;
  }

  /** What the hand-written Dockerfile takes from the repository, read once. */
  private handWrittenContext(): DockerfileContextUse {
    this.contextUse ??= dockerfileContextUse(
      readFileSync(join(this.project.outdir, this.dockerfile), 'utf8'),
      this.dockerfile,
      (path) => existsSync(join(this.project.outdir, path)),
      this.platforms.map((p) => p.value));
    return this.contextUse;
  }

  /**
   * The workflow's path filters: the script folders, extra paths, every other
   * path of the inputs fingerprint (the Dockerfile, its build arguments file,
   * the tools' signing keys, what a hand-written Dockerfile copies or mounts, the
   * `.dockerignore`), the workflow file itself, the reusable workflow and the
   * shell library it calls: a change that changes the fingerprint or the job
   * runs the workflow; a path copied per platform, once for each platform.
   * Declared paths are escaped, so each matches
   * only itself; extra paths are filters as written.
   */
  public get pathFilters(): readonly string[] {
    this._pathFilters ??= this.computePathFilters();
    return this._pathFilters;
  }

  private readBuildInputs(): readonly string[] {
    const copied = this.dockerfileGenerated
      ? [...new Set(this.tools.flatMap((t) => (t.signingKey ? [t.signingKey.path] : []))), ...this.scripts.map((s) => s.source)]
      : this.handWrittenContext().inputs;
    return [...new Set([this.dockerfile, this.buildArgsFile, ...copied])];
  }

  private computePathFilters(): readonly string[] {
    const scripts = new Set(this.scripts.map((s) => s.source));
    const paths = fingerprintArguments(this).filter((path) => !scripts.has(path))
      .flatMap((path) => this.platforms.map((target) => platformPath(path, target.value)));
    const inputs = [...new Set(paths)].map((path) =>
      (this.isFolder(path) ? `${literalPathFilter(path)}/**` : literalPathFilter(path)));
    return [
      ...this.scripts.map((s) => s.pathFilter),
      ...this.extraPaths,
      ...inputs,
      literalPathFilter(this.workflowPath),
      // What the job does is written there, for every image: a change there changes this image's job.
      literalPathFilter(this.multiPlatform ? MULTI_PLATFORM_WORKFLOW_PATH : REUSABLE_WORKFLOW_PATH),
      `${literalPathFilter(LIBRARY_DIR)}/**`,
    ];
  }

  /** Whether a path of the repository is a folder; a source of a hand-written Dockerfile can be either. */
  private isFolder(path: string): boolean {
    return !this.dockerfileGenerated && existsSync(join(this.project.outdir, path)) && statSync(join(this.project.outdir, path)).isDirectory();
  }

  private platformViolations(): string[] {
    const problems: string[] = [];
    if (this.declaresBoth) {
      problems.push('targetPlatform and platforms are both declared: platforms supersedes targetPlatform, so declare only platforms, e.g. platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64]');
    }
    if (this.platforms.length === 0) {
      problems.push('platforms is empty: declare at least one, e.g. [TargetPlatform.LINUX_AMD64], or leave it out for linux/amd64');
    }
    for (const value of duplicates(this.platforms, (p) => p.value).keys()) {
      problems.push(`platform '${value}' is declared twice: keep one declaration`);
    }
    if (this.multiPlatform && this.declaresRunsOn) {
      problems.push("runsOn is declared for an image of several platforms: each platform runs on its own runner, so declare it per platform, e.g. TargetPlatform.of('linux/arm64', { runsOn: ['my-arm-runner'] })");
    }
    for (const target of this.multiPlatform ? this.platforms : []) {
      if (!target.runsOn) {
        problems.push(`platform '${target.value}' has no GitHub-hosted runner of its architecture: declare one that builds it natively, e.g. TargetPlatform.of('${target.value}', { runsOn: ['self-hosted', '${target.architecture}'] })`);
      }
    }
    return problems;
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
    this.platformViolations().forEach((message) => v.add(message));
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
    this.unpinned.forEach((message) => v.add(message));
    const python = imagePython(this.baseImage);
    for (const pkg of this.allPythonPackages) {
      v.add(pkg.missingWheels(this.platform.pins, this.imageId, python, this.platforms.map((p) => p.value)));
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
    if (this.dockerfileGenerated) {
      this.scripts.forEach((s) => v.add(scriptFolderViolation(this.project.outdir, s)));
    }
    if (!this.dockerfileGenerated && repoPathViolation('Dockerfile', this.dockerfile) === undefined) {
      for (const message of handWrittenDockerfileViolations(this.project.outdir, this.dockerfile, this.buildArgNames, this.smokeTestCommand)) {
        v.add(message);
      }
      if (existsSync(join(this.project.outdir, this.dockerfile))) {
        for (const refusal of this.handWrittenContext().refusals) {
          v.add(refusal);
        }
      }
    }
    v.throwIfAny(`Invalid image declaration '${this.imageId}'`);
  }
}

/**
 * A declared script folder must exist: the generated Dockerfile copies it, and
 * a build would fail on it only later, on a runner. Synthesis does not create
 * it: a README projen wrote there would be projen's read-only file, copied into
 * the image and part of its inputs fingerprint (README, "Adding an image"). An
 * empty folder passes here; git keeps no empty folder, so on a fresh clone the
 * pull request build's `npx projen` reports it.
 */
function scriptFolderViolation(root: string, script: ScriptCopy): string | undefined {
  const path = join(root, script.source);
  if (!existsSync(path)) {
    return `script folder '${script.source}' does not exist: create it with the files the image carries in ${script.destination}, or declare \`scripts\` (\`[]\` for none)`;
  }
  return statSync(path).isDirectory()
    ? undefined
    : `script folder '${script.source}' is a file, not a folder: put the image's files in a folder and declare that`;
}

/**
 * The platform as the components that span every image see it: the shared
 * settings and the images declared so far.
 */
export interface PlatformView extends PlatformScope {
  /** The declared images, in declaration order. */
  readonly images: readonly ContainerImage[];
}

/**
 * The reference a build uses for a declared base image: with the index digest
 * the lock pins for it. A reference that carries its own digest is pinned
 * already; one in local storage (`localhost/...`, as buildah and Podman name
 * images built on the machine) has no registry to pin it from.
 * @returns the reference, or the one-line reason the lock cannot pin it
 */
export function pinBaseImage(declared: string, lock: PinsLock): { readonly reference: string } | string {
  if (declared.includes('@sha256:') || declared.startsWith('localhost/')) {
    return { reference: declared };
  }
  const locked = lock.baseImages[declared];
  if (!locked) {
    return `base image '${declared}' has no digest in ${PINS_LOCK_FILE} (baseImages["${declared}"]): ${UPGRADE_PINS_FIX}, or declare it with its digest ('${declared}@sha256:...')`;
  }
  return { reference: `${declared}@${locked.digest}` };
}
