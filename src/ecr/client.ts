import { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import { CallContext, explainAwsError } from './errors';

/**
 * Attempts per call, the first included. The SDK's standard retry strategy
 * backs off between them on throttling and transient errors.
 *
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const MAX_ATTEMPTS = 5;

/** Makes the ECR client the tasks use; tests pass their own configuration. */
export type EcrClientFactory = (region: string) => ECRClient;

export function createEcrClient(region: string, config: ECRClientConfig = {}): ECRClient {
  return new ECRClient({ region, maxAttempts: MAX_ATTEMPTS, ...config });
}

/** Runs one ECR call; any failure comes back explained in one line. */
export async function call<T>(context: CallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explainAwsError(error, context);
  }
}

/** Like `call`, but `undefined` when ECR answers that the thing asked about does not exist. */
export async function callIfPresent<T>(context: CallContext, absent: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if ((error as { name?: string } | null)?.name === absent) {
      return undefined;
    }
    throw explainAwsError(error, context);
  }
}
