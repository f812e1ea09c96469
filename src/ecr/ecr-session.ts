import { DescribeRegistryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CALL_DEADLINE_MS, resolveEndpoint } from './client';
import { EcrTaskError, explainAwsError } from './errors';

/** What a call may be given: the signal that ends it at its deadline. */
export interface CallOptions {
  readonly abortSignal: AbortSignal;
}

/**
 * One task run's access to the declared registry: every call ends within
 * {@link CALL_DEADLINE_MS} and any failure comes back explained in one line.
 */
export class EcrSession {
  /** Opens a session on `client` for the registry in `account` and `region`. */
  public static async open(client: ECRClient, registry: { readonly account: string; readonly region: string }): Promise<EcrSession> {
    return new EcrSession(client, registry.account, registry.region, await resolveEndpoint(client, registry.region));
  }

  private constructor(
    public readonly client: ECRClient,
    /** The declared account: every call that accepts a `registryId` is sent this one. */
    public readonly registryId: string,
    public readonly region: string,
    /** Where the calls go, for messages. */
    public readonly endpoint: string,
  ) {}

  /** Runs one ECR call (`operation`, e.g. `PutLifecyclePolicy`, names it in messages). */
  public async call<T>(operation: string, send: (options: CallOptions) => Promise<T>): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), CALL_DEADLINE_MS);
    try {
      return await send({ abortSignal: deadline.signal });
    } catch (error) {
      if (deadline.signal.aborted) {
        throw new EcrTaskError(`No answer from ECR at ${this.endpoint} within ${CALL_DEADLINE_MS / 1000} s (${operation}): check the network, AWS_ENDPOINT_URL_ECR (${process.env.AWS_ENDPOINT_URL_ECR ? `set to ${process.env.AWS_ENDPOINT_URL_ECR}` : 'not set'}) and that region '${this.region}' is right`, true);
      }
      throw explainAwsError(error, { operation, region: this.region, endpoint: this.endpoint });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Like `call`, but `undefined` when ECR answers `absent` (e.g. `RepositoryNotFoundException`). */
  public async callIfPresent<T>(operation: string, absent: string, send: (options: CallOptions) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, send);
    } catch (error) {
      if (error instanceof EcrTaskError && error.awsName === absent) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Whether the credentials belong to the declared account, asked before any
   * other call: ECR's DescribeRegistry answers with the caller's own registry
   * id. Returns why the run must not go on (another account, or a refusal to
   * say), `undefined` when it may; throws the fatal errors that would stop
   * any call (no credentials, no answer).
   */
  public async accountRefusal(): Promise<string | undefined> {
    let callerAccount: string | undefined;
    try {
      callerAccount = (await this.call('DescribeRegistry', (o) => this.client.send(new DescribeRegistryCommand({}), o))).registryId;
    } catch (error) {
      if (error instanceof EcrTaskError && !error.fatal) {
        return `Cannot confirm which AWS account the credentials belong to, so nothing was read or changed: ${error.message}`;
      }
      throw error;
    }
    if (callerAccount !== this.registryId) {
      return `Refused: the AWS credentials belong to account ${callerAccount}, but .projenrc.ts declares the registry in account ${this.registryId}. Use credentials of account ${this.registryId} (e.g. 'export AWS_PROFILE=<a profile of ${this.registryId}>') and run again; nothing was read or changed`;
    }
    return undefined;
  }
}
