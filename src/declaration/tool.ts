import { DeclarationError } from './violations';
import { awsCliInstall, kubectlInstall } from '../docker/tool-install';

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;

/**
 * A command-line tool installed into an image from its vendor's release,
 * pinned to a version and verified before it is installed.
 */
export class Tool {
  /**
   * AWS CLI version 2, verified against AWS's PGP signature.
   * @param version @default '2.27.50'
   * @see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html
   */
  public static awsCliV2(version: string = '2.27.50'): Tool {
    return new Tool('aws-cli', 'AWS CLI v2', version, 'AWS_CLI_VERSION',
      ['ca-certificates', 'curl', 'gpg', 'unzip'], awsCliInstall);
  }

  /**
   * kubectl, verified against its published sha256.
   * @param version @default '1.33.3'
   * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
   */
  public static kubectl(version: string = '1.33.3'): Tool {
    return new Tool('kubectl', 'kubectl', version, 'KUBECTL_VERSION',
      ['ca-certificates', 'curl'], kubectlInstall);
  }

  private constructor(
    /** Short name, e.g. `aws-cli`. */
    public readonly name: string,
    /** Display name, e.g. `AWS CLI v2`. */
    public readonly title: string,
    /** The pinned version, e.g. `2.27.50`. */
    public readonly version: string,
    /** The build argument that carries the version, e.g. `AWS_CLI_VERSION`. */
    public readonly buildArg: string,
    /** Debian packages the download and check need in the tools stage. */
    public readonly downloadPackages: readonly string[],
    private readonly install: (versionArg: string) => string[],
  ) {
    if (!VERSION.test(version)) {
      throw new DeclarationError(`${title} version '${version}' must be an exact release such as '1.2.3'`);
    }
  }

  /** The shell commands that download, verify and install the tool, one per line. */
  public installCommands(): string[] {
    return this.install(this.buildArg);
  }
}
