const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;

/**
 * A command-line tool installed into an image from its vendor's release,
 * pinned to a version.
 */
export class Tool {
  /**
   * AWS CLI version 2.
   * @param version @default '2.27.50'
   * @see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html
   */
  public static awsCliV2(version: string = '2.27.50'): Tool {
    return new Tool('aws-cli', 'AWS CLI v2', version);
  }

  /**
   * kubectl.
   * @param version @default '1.33.3'
   * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
   */
  public static kubectl(version: string = '1.33.3'): Tool {
    return new Tool('kubectl', 'kubectl', version);
  }

  private constructor(
    /** Short name, e.g. `aws-cli`. */
    public readonly name: string,
    /** Display name, e.g. `AWS CLI v2`. */
    public readonly title: string,
    /** The pinned version, e.g. `2.27.50`. */
    public readonly version: string,
  ) {
    if (!VERSION.test(version)) {
      throw new Error(`${title} version '${version}' must be an exact release such as '1.2.3'`);
    }
  }
}
