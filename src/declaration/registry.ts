import { BOOLEAN, optional, OptionKeys, required } from './option-keys';
import { Violations } from './violations';

/** Where an ECR registry lives. */
export interface EcrRegistryOptions {
  /** The 12-digit AWS account id that owns the registry. */
  readonly account: string;
  /**
   * The AWS region of the registry, e.g. `eu-central-1`.
   * @see https://docs.aws.amazon.com/general/latest/gr/ecr.html
   */
  readonly region: string;
  /**
   * Whether every image the workflows build gets a signed SLSA build
   * provenance attestation (`actions/attest`, pushed to ECR as an OCI
   * referrer of the digest), and every promotion first verifies the source
   * image's attestation with `gh attestation verify` and refuses an image
   * without a valid one. Attestations need a public repository, or GitHub
   * Enterprise Cloud for a private or internal one: off by default.
   *
   * @default false
   * @see https://docs.github.com/en/actions/how-tos/secure-your-work/use-artifact-attestations/use-artifact-attestations
   */
  readonly provenance?: boolean;
}

const ECR_REGISTRY_OPTION_KEYS = new OptionKeys<EcrRegistryOptions>('EcrRegistryOptions', {
  account: required(),
  region: required(),
  provenance: optional(BOOLEAN),
});

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/**
 * The container registry images are pushed to, declared once.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
 */
export class Registry {
  /** A private Amazon ECR registry. */
  public static ecr(options: EcrRegistryOptions): Registry {
    ECR_REGISTRY_OPTION_KEYS.check('Registry.ecr', options);
    const v = new Violations();
    if (!ACCOUNT.test(options.account)) {
      v.add(`account '${options.account}' must be the 12-digit AWS account id, e.g. '123456789012'`);
    }
    if (!REGION.test(options.region)) {
      v.add(`region '${options.region}' is not an AWS region name, e.g. 'eu-central-1'`);
    }
    v.throwIfAny('Invalid ECR registry');
    return new Registry(options.account, options.region, options.provenance ?? false);
  }

  /** The AWS partition of the region, which ARNs and host names depend on. */
  public readonly partition: string;

  /** The registry host, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com`. */
  public readonly host: string;

  private constructor(
    public readonly account: string,
    public readonly region: string,
    /** Whether built images are attested and promotions verify the attestation (`EcrRegistryOptions.provenance`). */
    public readonly provenance: boolean,
  ) {
    const china = region.startsWith('cn-');
    this.partition = china ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    this.host = `${account}.dkr.ecr.${region}.amazonaws.com${china ? '.cn' : ''}`;
  }

  /** The image name without tag, e.g. `<host>/triton-training-tools`. */
  public repositoryUri(repository: string): string {
    return `${this.host}/${repository}`;
  }

  /** The ARN IAM policies name a repository by. */
  public repositoryArn(repository: string): string {
    return `arn:${this.partition}:ecr:${this.region}:${this.account}:repository/${repository}`;
  }
}
