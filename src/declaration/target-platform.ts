/**
 * The OS and CPU architecture an image is built for, as BuildKit, podman and
 * buildah name it in `--platform`.
 *
 * The workflow and every local engine build for the same platform, so an
 * image built on an Apple Silicon laptop carries the same binaries as CI's.
 *
 * @see https://docs.docker.com/build/building/multi-platform/
 */
export class TargetPlatform {
  /** 64-bit x86 Linux: what GitHub's hosted `ubuntu-latest` runners are. */
  public static readonly LINUX_AMD64 = new TargetPlatform('linux', 'amd64');
  /** 64-bit Arm Linux, e.g. Graviton or `ubuntu-24.04-arm` runners. */
  public static readonly LINUX_ARM64 = new TargetPlatform('linux', 'arm64');

  private constructor(
    /** The OS, e.g. `linux`. */
    public readonly os: string,
    /** The architecture in Go's names, e.g. `amd64`: what `TARGETARCH` holds. */
    public readonly architecture: string,
  ) {}

  /** The value of `--platform` and of build-push-action's `platforms`, e.g. `linux/amd64`. */
  public get value(): string {
    return `${this.os}/${this.architecture}`;
  }

  public toString(): string {
    return this.value;
  }
}
