import { AWS_CLI_SIGNING_KEY } from './aws-cli-signing-key';
import { instanceOf, nested, OptionKeys, optional, required } from './option-keys';
import { SigningKey } from './signing-key';
import { Violations } from './violations';
import { BuildArg } from '../docker/build-args';
import { awsCliInstall, kubectlInstall } from '../docker/tool-install';

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MIRROR = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~%/-]*)?$/;

/** AWS CLI v2, as `Tool.awsCliV2()` installs it. */
export interface AwsCliOptions {
  /**
   * The exact release.
   * @default '2.27.50'
   * @see https://github.com/aws/aws-cli/blob/v2/CHANGELOG.rst
   */
  readonly version?: string;
  /**
   * Where the installer zip and its signature are downloaded from: AWS's
   * server or a mirror of it (e.g. an artifact proxy). Integrity does not
   * depend on it: the signature is checked against the shipped key. Also a
   * build argument (`AWS_CLI_MIRROR`).
   * @default 'https://awscli.amazonaws.com'
   */
  readonly mirror?: string;
  /**
   * The key the installer must be signed with, shipped in the repository.
   * @default - the AWS CLI Team's key, FB5DB77FD5C118B80511ADA8A6310ACC4672475C
   */
  readonly signingKey?: SigningKey;
}

/** The sha256 of one release binary per architecture, as the release publishes them. */
export interface ArchitectureChecksums {
  /** sha256 of the `linux/amd64` binary, 64 hex digits. */
  readonly amd64: string;
  /** sha256 of the `linux/arm64` binary, 64 hex digits. */
  readonly arm64: string;
}

/** kubectl, as `Tool.kubectl()` installs it. */
export interface KubectlOptions {
  /**
   * The exact release.
   * @default '1.33.3'
   */
  readonly version?: string;
  /**
   * The published sha256 of that release's binaries. The download is checked
   * against these values, never against a checksum from the download server.
   * @default - the published values of the default version; required with any other version
   * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
   */
  readonly sha256?: ArchitectureChecksums;
  /**
   * Where the binary is downloaded from: Kubernetes' release server or a
   * mirror of it. Also a build argument (`KUBECTL_MIRROR`).
   * @default 'https://dl.k8s.io'
   */
  readonly mirror?: string;
}

const AWS_CLI_OPTION_KEYS = new OptionKeys<AwsCliOptions>('AwsCliOptions', {
  version: optional(),
  mirror: optional(),
  signingKey: optional(instanceOf(SigningKey, 'SigningKey.of(fingerprint, armored)')),
});

const ARCHITECTURE_CHECKSUMS_KEYS = new OptionKeys<ArchitectureChecksums>('ArchitectureChecksums', { amd64: required(), arm64: required() });

const KUBECTL_OPTION_KEYS = new OptionKeys<KubectlOptions>('KubectlOptions', {
  version: optional(),
  sha256: optional(nested(ARCHITECTURE_CHECKSUMS_KEYS)),
  mirror: optional(),
});

const DEFAULT_KUBECTL = {
  version: '1.33.3',
  // From https://dl.k8s.io/release/v1.33.3/bin/linux/{amd64,arm64}/kubectl.sha256,
  // as also pinned by kubespray's checksums.yml.
  sha256: {
    amd64: '2fcf65c64f352742dc253a25a7c95617c2aba79843d1b74e585c69fe4884afb0',
    arm64: '3d514dbae5dc8c09f773df0ef0f5d449dfad05b3aca5c96b13565f886df345fd',
  },
};

/**
 * A command-line tool installed into an image from its vendor's release,
 * pinned to a version and verified before it is installed.
 */
export class Tool {
  /**
   * AWS CLI version 2, verified against AWS's PGP signature with the key
   * shipped in the repository.
   * @see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html
   */
  public static awsCliV2(options: AwsCliOptions = {}): Tool {
    AWS_CLI_OPTION_KEYS.check('Tool.awsCliV2', options);
    const signingKey = options.signingKey ?? AWS_CLI_SIGNING_KEY;
    return new Tool({
      name: 'aws-cli',
      title: 'AWS CLI v2',
      version: options.version ?? '2.27.50',
      argPrefix: 'AWS_CLI',
      mirror: options.mirror ?? 'https://awscli.amazonaws.com',
      downloadPackages: ['ca-certificates', 'curl', 'gpg', 'unzip'],
      signingKey,
      install: (tool) => awsCliInstall({ versionArg: tool.buildArg, mirrorArg: tool.mirrorArg }, signingKey.fingerprint),
    });
  }

  /**
   * kubectl, verified against the sha256 pinned here for each architecture.
   * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
   */
  public static kubectl(options: KubectlOptions = {}): Tool {
    KUBECTL_OPTION_KEYS.check('Tool.kubectl', options);
    const version = options.version ?? DEFAULT_KUBECTL.version;
    const sha256 = options.sha256 ?? (version === DEFAULT_KUBECTL.version ? DEFAULT_KUBECTL.sha256 : undefined);
    const v = new Violations();
    if (!sha256) {
      v.add(`kubectl ${version} has no pinned sha256: give sha256: { amd64, arm64 } from https://dl.k8s.io/release/v${version}/bin/linux/<arch>/kubectl.sha256`);
    }
    for (const [arch, value] of Object.entries(sha256 ?? {})) {
      if (!SHA256.test(value)) {
        v.add(`kubectl sha256 for ${arch} '${value}' must be 64 lower-case hex digits`);
      }
    }
    v.throwIfAny('Invalid kubectl declaration');
    return new Tool({
      name: 'kubectl',
      title: 'kubectl',
      version,
      argPrefix: 'KUBECTL',
      mirror: options.mirror ?? 'https://dl.k8s.io',
      downloadPackages: ['ca-certificates', 'curl'],
      install: (tool) => kubectlInstall({ versionArg: tool.buildArg, mirrorArg: tool.mirrorArg }, sha256!),
    });
  }

  /** Short name, e.g. `aws-cli`. */
  public readonly name: string;
  /** Display name, e.g. `AWS CLI v2`. */
  public readonly title: string;
  /** The pinned version, e.g. `2.27.50`. */
  public readonly version: string;
  /** The build argument that carries the version, e.g. `AWS_CLI_VERSION`. */
  public readonly buildArg: string;
  /** The build argument that carries the download base URL, e.g. `AWS_CLI_MIRROR`. */
  public readonly mirrorArg: string;
  /** The download base URL, without a trailing '/'. */
  public readonly mirror: string;
  /** Debian packages the download and check need in the tools stage. */
  public readonly downloadPackages: readonly string[];
  /** The key its download is verified with, shipped in the repository, if it is signed. */
  public readonly signingKey?: SigningKey;
  private readonly install: (tool: Tool) => string[];

  private constructor(spec: {
    name: string;
    title: string;
    version: string;
    argPrefix: string;
    mirror: string;
    downloadPackages: string[];
    signingKey?: SigningKey;
    install: (tool: Tool) => string[];
  }) {
    this.name = spec.name;
    this.title = spec.title;
    this.version = spec.version;
    this.buildArg = `${spec.argPrefix}_VERSION`;
    this.mirrorArg = `${spec.argPrefix}_MIRROR`;
    this.mirror = spec.mirror.replace(/\/+$/, '');
    this.downloadPackages = spec.downloadPackages;
    this.signingKey = spec.signingKey;
    this.install = spec.install;
    const v = new Violations();
    if (!VERSION.test(this.version)) {
      v.add(`${this.title} version '${this.version}' must be an exact release such as '1.2.3'`);
    }
    if (!MIRROR.test(this.mirror)) {
      v.add(`${this.title} mirror '${spec.mirror}' must be an http(s) URL without quotes, spaces or '$', e.g. 'https://artifacts.example.com/kubectl'`);
    }
    v.throwIfAny(`Invalid ${this.title} declaration`);
  }

  /** The build arguments the tool's install reads: its version and its mirror. */
  public get buildArgs(): readonly BuildArg[] {
    return [{ name: this.buildArg, value: this.version }, { name: this.mirrorArg, value: this.mirror }];
  }

  /** The shell commands that download, verify and install the tool, one per line. */
  public installCommands(): string[] {
    return this.install(this);
  }
}
