import { OPERATOR_POLICY_PATH } from '../aws/ecr-manifest';

/** What was being done when an AWS call failed. */
export interface CallContext {
  /** The ECR API operation, e.g. `PutLifecyclePolicy`. */
  readonly operation: string;
  readonly region: string;
  /**
   * Where the call went, e.g. `https://api.ecr.eu-central-1.amazonaws.com/`.
   * @default - the region's ECR endpoint
   */
  readonly endpoint?: string;
}

/**
 * A failed ECR call, explained in one line. A fatal error (no or bad
 * credentials, an unreachable endpoint, an answer that is not ECR's) would
 * fail every other call the same way, so the task stops and says it once; any
 * other error belongs to one repository.
 */
export class EcrTaskError extends Error {
  constructor(
    message: string,
    public readonly fatal: boolean,
    /** The name of the AWS error explained, e.g. `RepositoryNotFoundException`. */
    public readonly awsName?: string,
  ) {
    super(message);
    this.name = 'EcrTaskError';
  }
}

interface AwsLikeError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly hostname?: string;
  readonly $metadata?: { readonly attempts?: number; readonly httpStatusCode?: number; readonly requestId?: string };
  readonly $retryable?: { readonly throttling?: boolean };
  readonly $response?: { readonly headers?: Record<string, string> };
}

const THROTTLING = new Set(['ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'IncompleteSignature']);
const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired']);
const NO_NAME = new Set(['ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

// "User: <arn> is not authorized to perform: <action> on resource: <arn> [because|with] <reason>"
const DENIED = /is not authorized to perform: (\S+) on resource: (\S+?)(?:\s+(?:because|with)\s+(.+?))?\.?$/;
const DENIED_PRINCIPAL = /^User: (\S+) is not authorized/;

/** Turns whatever the SDK threw into one line that says what to do. */
export function explainAwsError(error: unknown, context: CallContext): EcrTaskError {
  if (error instanceof EcrTaskError) {
    return error;
  }
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as AwsLikeError;
  const name = e.name ?? 'Error';
  const message = oneLine(e.message ?? '');
  const action = `ecr:${context.operation}`;
  const { region } = context;

  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return new EcrTaskError(/from any providers/.test(message)
      ? 'No AWS credentials found (environment, ~/.aws config and credentials, SSO): sign in, e.g. \'aws sso login --profile <name>\' and \'export AWS_PROFILE=<name>\', then run again'
      : `AWS credentials could not be loaded: ${message}`, true);
  }
  if (EXPIRED.has(name)) {
    return new EcrTaskError(`The AWS credentials have expired (${name}): sign in again, e.g. 'aws sso login', then run again`, true);
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new EcrTaskError(`AWS rejected the credentials in region ${region} (${name}): they are wrong or revoked, or the account has not enabled ${region}`, true);
  }
  const where = context.endpoint ? `at ${context.endpoint}` : `in region '${region}'`;
  if (NO_NAME.has(e.code ?? '') || /getaddrinfo|Invalid region/i.test(message)) {
    const host = e.hostname ? `${e.hostname} does not resolve` : 'its endpoint does not resolve';
    return new EcrTaskError(`Cannot reach ECR in region '${region}': ${host}. Either '${region}' is not an AWS region (check Registry.ecr({ region }) in .projenrc.ts), AWS_ENDPOINT_URL_ECR names a wrong host, or this machine is offline`, true);
  }
  if (UNREACHABLE.has(e.code ?? '') || UNREACHABLE.has(name)) {
    const attempts = e.$metadata?.attempts ? `, ${e.$metadata.attempts} attempts` : '';
    return new EcrTaskError(`Cannot reach ECR ${where} (${e.code ?? name}${attempts}): check the network, the proxy settings, AWS_ENDPOINT_URL_ECR and that region '${region}' is right`, true);
  }
  if (isForeignAnswer(e)) {
    const status = e.$metadata?.httpStatusCode;
    const type = e.$response?.headers?.['content-type'] ?? 'no content type';
    return new EcrTaskError(`The endpoint ${context.endpoint ?? `of region '${region}'`} answered HTTP ${status} (${type}), which is not an answer from ECR: check AWS_ENDPOINT_URL_ECR, the proxy settings (HTTPS_PROXY) and that region '${region}' is right`, true);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return accessDenied(message, action);
  }
  if (THROTTLING.has(name) || e.$retryable?.throttling) {
    const attempts = e.$metadata?.attempts;
    return new EcrTaskError(`ECR kept throttling ${action} (${name})${attempts ? ` and the SDK gave up after ${attempts} attempts` : ''}: wait a minute, then run again`, false, name);
  }
  return new EcrTaskError(`${action} failed: ${name}${message ? `: ${message}` : ''}`, false, name);
}

/**
 * An answer no AWS service gives: every AWS answer carries a request id, and
 * ECR's are JSON. A proxy's or a wrong host's HTML page fails to parse, or
 * parses without an error type.
 */
function isForeignAnswer(e: AwsLikeError): boolean {
  return e.$metadata?.httpStatusCode !== undefined && !e.$metadata.requestId
    && (e.name === 'SyntaxError' || e.name === 'Unknown' || e.name === 'UnknownError' || /Deserialization error/.test(e.message ?? ''));
}

function accessDenied(message: string, fallbackAction: string): EcrTaskError {
  const match = DENIED.exec(message);
  const action = match?.[1] ?? fallbackAction;
  const principal = DENIED_PRINCIPAL.exec(message)?.[1] ?? 'the caller';
  const reason = match?.[3];
  if (reason && /explicit deny in a resource-based policy/.test(reason)) {
    return new EcrTaskError(`Blocked by the repository policy: it explicitly denies ${action} to ${principal}. Change the repository's permissions in ECR or run as a principal it allows`, false, 'AccessDeniedException');
  }
  if (reason && /no resource-based policy allows/.test(reason)) {
    return new EcrTaskError(`Blocked by the repository policy: it does not allow ${action} for ${principal}, which a caller from another account needs. Add that permission to the repository's policy or run in the registry's account`, false, 'AccessDeniedException');
  }
  const why = reason ? ` (${reason})` : '';
  const fix = !reason || /no identity-based policy allows/.test(reason)
    ? `: attach ${OPERATOR_POLICY_PATH} (generated by npx projen) to the identity you run this with`
    : '';
  return new EcrTaskError(`Access denied: ${principal} may not call ${action}${why}${fix}`, false, 'AccessDeniedException');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
