import { OptionKeys, optional } from './option-keys';
import { DeclarationError } from './violations';

/** How one platform of an image is built. */
export interface TargetPlatformOptions {
  /**
   * Runner labels of the job that builds this platform natively, for a larger
   * or self-hosted runner (GitHub's hosted arm64 runners are free only for
   * public repositories).
   * @default - `['ubuntu-24.04']` for linux/amd64, `['ubuntu-24.04-arm']` for linux/arm64, none for others
   * @see https://docs.github.com/en/actions/using-github-hosted-runners/using-github-hosted-runners/about-github-hosted-runners#standard-github-hosted-runners-for-public-repositories
   */
  readonly runsOn?: string[];
}

const TARGET_PLATFORM_OPTION_KEYS = new OptionKeys<TargetPlatformOptions>('TargetPlatformOptions', { runsOn: optional() });

/**
 * Every OS/ARCH[/VARIANT] the build accepts, as Go, BuildKit and the OCI image
 * index name them: a value outside this list is a typo, not a platform.
 *
 * @see https://github.com/opencontainers/image-spec/blob/main/image-index.md#platform-variants
 */
const KNOWN_PLATFORMS: Readonly<Record<string, readonly string[]>> = {
  'linux/amd64': ['', 'v2', 'v3', 'v4'],
  'linux/arm64': ['', 'v8'],
  'linux/arm': ['v6', 'v7'],
  'linux/386': [''],
  'linux/ppc64le': [''],
  'linux/s390x': [''],
  'linux/riscv64': [''],
};

/** GitHub's hosted runner of each architecture, where there is one. */
const HOSTED_RUNNERS: Readonly<Record<string, readonly string[]>> = {
  'linux/amd64': ['ubuntu-24.04'],
  'linux/arm64': ['ubuntu-24.04-arm'],
};

/**
 * The OS and CPU architecture an image is built for, as BuildKit, podman and
 * buildah name it in `--platform`.
 *
 * The workflow and every local engine build for the same platform, so an
 * image built on an Apple Silicon laptop carries the same binaries as CI's.
 * An image of several platforms builds each on a runner of its own
 * architecture (no emulation) and merges them into one image index.
 *
 * @see https://docs.docker.com/build/building/multi-platform/
 */
export class TargetPlatform {
  /** 64-bit x86 Linux: what GitHub's hosted `ubuntu-latest` runners are. */
  public static readonly LINUX_AMD64 = new TargetPlatform('linux', 'amd64');
  /** 64-bit Arm Linux, e.g. Graviton or `ubuntu-24.04-arm` runners. */
  public static readonly LINUX_ARM64 = new TargetPlatform('linux', 'arm64');

  /**
   * A platform by its `--platform` value, e.g. `linux/arm64`, optionally with
   * the runners that build it.
   * @param value OS/ARCH[/VARIANT], one of the platforms BuildKit names
   */
  public static of(value: string, options: TargetPlatformOptions = {}): TargetPlatform {
    TARGET_PLATFORM_OPTION_KEYS.check(`TargetPlatform.of('${value}')`, options);
    const [os, architecture, variant, ...rest] = String(value).split('/');
    const variants = KNOWN_PLATFORMS[`${os}/${architecture}`];
    if (!variants || rest.length > 0 || !variants.includes(variant ?? '')) {
      throw new DeclarationError(`platform '${value}' is not a known OS/ARCH[/VARIANT]: use one of ${
        Object.entries(KNOWN_PLATFORMS).flatMap(([p, vs]) => vs.map((v) => (v ? `${p}/${v}` : p))).join(', ')}`);
    }
    if (options.runsOn !== undefined && (!Array.isArray(options.runsOn) || options.runsOn.length === 0
      || options.runsOn.some((label) => typeof label !== 'string' || label.trim() === ''))) {
      throw new DeclarationError(`TargetPlatform.of('${value}') › runsOn must list at least one runner label, e.g. ['ubuntu-24.04-arm']`);
    }
    return new TargetPlatform(os, architecture, variant || undefined, options.runsOn ? [...options.runsOn] : undefined);
  }

  private constructor(
    /** The OS, e.g. `linux`. */
    public readonly os: string,
    /** The architecture in Go's names, e.g. `amd64`: what `TARGETARCH` holds. */
    public readonly architecture: string,
    /** The variant, e.g. `v7` of `linux/arm/v7`, if any. */
    public readonly variant?: string,
    /** The runner labels declared for this platform, if any. */
    public readonly declaredRunsOn?: readonly string[],
  ) {}

  /** The value of `--platform` and of build-push-action's `platforms`, e.g. `linux/amd64`. */
  public get value(): string {
    return [this.os, this.architecture, ...(this.variant ? [this.variant] : [])].join('/');
  }

  /**
   * The labels of the runner that builds this platform natively: the declared
   * ones, else GitHub's hosted runner of the architecture, else none.
   */
  public get runsOn(): readonly string[] | undefined {
    return this.declaredRunsOn ?? HOSTED_RUNNERS[`${this.os}/${this.architecture}`];
  }

  public toString(): string {
    return this.value;
  }
}
