import { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';

/**
 * How long a connection to ECR may take to open: the value of the SDKs'
 * `standard` defaults mode.
 *
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-smart-config-defaults.html
 */
export const CONNECTION_TIMEOUT_MS = 3_100;

/**
 * How long one attempt may wait for ECR's answer, and for each part of it
 * once it has begun. ECR's control-plane calls answer in well under a second;
 * a page of 100 image details is a few kilobytes.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Attempts per call, the first included. The SDK's standard retry strategy
 * backs off between them on throttling, 5xx answers and timeouts.
 *
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const MAX_ATTEMPTS = 5;

/**
 * How long one call may take, every attempt and back-off included: above the
 * SDK's longest throttling back-off for {@link MAX_ATTEMPTS} attempts (1 + 2 +
 * 4 + 8 s), so only an endpoint that does not answer reaches it. The tasks
 * stop at the first call that cannot reach ECR, so this also bounds how long
 * a task waits on a silent endpoint.
 */
export const CALL_DEADLINE_MS = 30_000;

/** Makes the ECR client the tasks use; tests pass their own configuration. */
export type EcrClientFactory = (region: string) => ECRClient;

/**
 * The tasks' client: the usual AWS credentials and endpoint settings
 * (`AWS_PROFILE`, SSO, `AWS_ENDPOINT_URL_ECR`), with timeouts and bounded
 * retries. In `@smithy/node-http-handler`, `requestTimeout` alone only logs a
 * warning and keeps waiting: `throwOnRequestTimeout` makes it fail the
 * attempt, and `socketTimeout` ends an answer that stalls halfway.
 */
export function createEcrClient(region: string, config: ECRClientConfig = {}): ECRClient {
  return new ECRClient({
    region,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      socketTimeout: REQUEST_TIMEOUT_MS,
    },
    ...config,
  });
}

/**
 * The URL the client sends to: an explicit endpoint, else
 * `AWS_ENDPOINT_URL_ECR` or `AWS_ENDPOINT_URL`, else the region's. Error
 * messages name it, so a wrong setting shows.
 */
export async function resolveEndpoint(client: ECRClient, region: string): Promise<string> {
  const config = client.config as unknown as {
    endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
    serviceConfiguredEndpoint?: () => Promise<string | undefined>;
    endpointProvider: (params: Record<string, unknown>) => { url: URL };
  };
  try {
    const explicit = await config.endpoint?.();
    if (explicit) {
      return `${explicit.protocol}//${explicit.hostname}${explicit.port ? `:${explicit.port}` : ''}${explicit.path}`;
    }
    const configured = await config.serviceConfiguredEndpoint?.();
    return config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false, Endpoint: configured }).url.href;
  } catch {
    return `the ECR endpoint of region ${region}`;
  }
}
