import { AWS_CLI_SIGNING_KEY } from './aws-cli-signing-key';
import { instanceOf, nested, OptionKeys, optional, required } from './option-keys';
import { SigningKey } from './signing-key';
import { Violations } from './violations';
import { BuildArg } from '../docker/build-args';
import { awsCliInstall, kubectlInstall } from '../docker/tool-install';
import { PINS_LOCK_FILE, PinsLock, UPGRADE_PINS_FIX } from '../pins/lock-file';

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MIRROR = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~%/-]*)?$/;

/** AWS CLI v2, as `Tool.awsCliV2()` installs it. */
export interface AwsCliOptions {
  /**
   * The exact release, to hold the CLI at a version the lock does not have.
   * @default - the lock's `tools["aws-cli"].version` (`pins.lock.json`)
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
   * The exact release, to hold kubectl at a version the lock does not have.
   * @default - the lock's `tools.kubectl.version` (`pins.lock.json`)
   */
  readonly version?: string;
  /**
   * The published sha256 of that release's binaries. The download is checked
   * against these values, never against a checksum from the download server.
   * @default - the lock's `tools.kubectl.sha256`; required with a declared `version`
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

/** What a tool declaration needs to install one release. */
interface ToolSpec {
  /** Tool id, also its key in the lock's `tools`, e.g. `aws-cli`. */
  readonly name: string;
  readonly title: string;
  /** The version `.projenrc.ts` declares, if it holds the tool back or ahead of the lock. */
  readonly declaredVersion?: string;
  /** Whether the download is verified by a sha256 per architecture (from the declaration or the lock). */
  readonly verifiedByChecksum: boolean;
  readonly declaredSha256?: ArchitectureChecksums;
  readonly argPrefix: string;
  readonly mirror: string;
  readonly downloadPackages: string[];
  readonly signingKey?: SigningKey;
  readonly install: (tool: PinnedTool, sha256?: ArchitectureChecksums) => string[];
}

/**
 * A command-line tool an image installs from its vendor's release, as
 * `.projenrc.ts` declares it: the release is the declared one or, by default,
 * the one the lock (`pins.lock.json`) pins, with its checksums. The image
 * installs the {@link PinnedTool} that {@link Tool.pin} resolves.
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
      declaredVersion: options.version,
      verifiedByChecksum: false,
      argPrefix: 'AWS_CLI',
      mirror: options.mirror ?? 'https://awscli.amazonaws.com',
      // gpg imports a key through gpg-agent, which gpg only recommends: without it the import fails.
      downloadPackages: ['ca-certificates', 'curl', 'gpg', 'gpg-agent', 'unzip'],
      signingKey,
      install: (tool) => awsCliInstall({ versionArg: tool.buildArg, mirrorArg: tool.mirrorArg }, signingKey.fingerprint),
    });
  }

  /**
   * kubectl, verified against the sha256 of each architecture, declared or locked.
   * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
   */
  public static kubectl(options: KubectlOptions = {}): Tool {
    KUBECTL_OPTION_KEYS.check('Tool.kubectl', options);
    const v = new Violations();
    if (options.version !== undefined && !options.sha256) {
      v.add(`kubectl ${options.version} has no pinned sha256: give sha256: { amd64, arm64 } from https://dl.k8s.io/release/v${options.version}/bin/linux/<arch>/kubectl.sha256`);
    }
    for (const [arch, value] of Object.entries(options.sha256 ?? {})) {
      if (!SHA256.test(value)) {
        v.add(`kubectl sha256 for ${arch} '${value}' must be 64 lower-case hex digits`);
      }
    }
    v.throwIfAny('Invalid kubectl declaration');
    return new Tool({
      name: 'kubectl',
      title: 'kubectl',
      declaredVersion: options.version,
      verifiedByChecksum: true,
      declaredSha256: options.sha256,
      argPrefix: 'KUBECTL',
      mirror: options.mirror ?? 'https://dl.k8s.io',
      downloadPackages: ['ca-certificates', 'curl'],
      install: (tool, sha256) => kubectlInstall({ versionArg: tool.buildArg, mirrorArg: tool.mirrorArg }, sha256!),
    });
  }

  /** Tool id, also its key in the lock's `tools`, e.g. `aws-cli`. */
  public readonly name: string;
  /** Display name, e.g. `AWS CLI v2`. */
  public readonly title: string;

  private constructor(private readonly spec: ToolSpec) {
    this.name = spec.name;
    this.title = spec.title;
    const v = new Violations();
    if (spec.declaredVersion !== undefined && !VERSION.test(spec.declaredVersion)) {
      v.add(`${spec.title} version '${spec.declaredVersion}' must be an exact release such as '1.2.3'`);
    }
    if (!MIRROR.test(spec.mirror.replace(/\/+$/, ''))) {
      v.add(`${spec.title} mirror '${spec.mirror}' must be an http(s) URL without quotes, spaces or '$', e.g. 'https://artifacts.example.com/kubectl'`);
    }
    v.throwIfAny(`Invalid ${spec.title} declaration`);
  }

  /**
   * The release this declaration installs: the declared version (and
   * checksums), else the lock's.
   * @returns the pinned tool, or the one-line reason the lock cannot pin it
   */
  public pin(lock: PinsLock): PinnedTool | string {
    const spec = this.spec;
    const locked = lock.tools[spec.name];
    const version = spec.declaredVersion ?? locked?.version;
    if (version === undefined) {
      return `${spec.title} has no version in ${PINS_LOCK_FILE} (tools["${spec.name}"]): ${UPGRADE_PINS_FIX}, or declare its version`;
    }
    let sha256: ArchitectureChecksums | undefined;
    if (spec.verifiedByChecksum) {
      const lockedSha256 = locked?.sha256;
      sha256 = spec.declaredSha256
        ?? (lockedSha256?.amd64 && lockedSha256.arm64 ? { amd64: lockedSha256.amd64, arm64: lockedSha256.arm64 } : undefined);
      if (!sha256) {
        return `${spec.title} ${version} has no sha256 for amd64 and arm64 in ${PINS_LOCK_FILE} (tools["${spec.name}"].sha256): ${UPGRADE_PINS_FIX}`;
      }
    }
    return new PinnedTool({ ...spec, version, install: (tool) => spec.install(tool, sha256) });
  }
}

/** A tool pinned to one release: what an image installs. */
export class PinnedTool {
  /** Tool id, e.g. `aws-cli`. */
  public readonly name: string;
  /** Display name, e.g. `AWS CLI v2`. */
  public readonly title: string;
  /** The pinned version, e.g. `2.27.50`. */
  public readonly version: string;
  /** Whether `.projenrc.ts` declares the version (held: the upgrade leaves it), rather than the lock giving it. */
  public readonly declaresVersion: boolean;
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
  private readonly install: (tool: PinnedTool) => string[];

  /** @internal use `Tool.pin()` */
  constructor(spec: {
    name: string;
    title: string;
    version: string;
    declaredVersion?: string;
    argPrefix: string;
    mirror: string;
    downloadPackages: string[];
    signingKey?: SigningKey;
    install: (tool: PinnedTool) => string[];
  }) {
    this.name = spec.name;
    this.title = spec.title;
    this.version = spec.version;
    this.declaresVersion = spec.declaredVersion !== undefined;
    this.buildArg = `${spec.argPrefix}_VERSION`;
    this.mirrorArg = `${spec.argPrefix}_MIRROR`;
    this.mirror = spec.mirror.replace(/\/+$/, '');
    this.downloadPackages = spec.downloadPackages;
    this.signingKey = spec.signingKey;
    this.install = spec.install;
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
