import { OPERATOR_POLICY_PATH } from '../aws/ecr-manifest';

/** What was being done when an AWS call failed. */
export interface CallContext {
  /** The ECR API operation, e.g. `PutLifecyclePolicy`. */
  readonly operation: string;
  readonly region: string;
}

/**
 * A failed ECR call, explained in one line. A fatal error (no or bad
 * credentials, an unreachable region) would fail every other call the same
 * way, so the task stops; any other error belongs to one repository.
 */
export class EcrTaskError extends Error {
  constructor(message: string, public readonly fatal: boolean) {
    super(message);
    this.name = 'EcrTaskError';
  }
}

interface AwsLikeError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly hostname?: string;
  readonly $metadata?: { readonly attempts?: number };
  readonly $retryable?: { readonly throttling?: boolean };
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
  if (NO_NAME.has(e.code ?? '') || /getaddrinfo|Invalid region/i.test(message)) {
    const host = e.hostname ? `${e.hostname} does not resolve` : 'its endpoint does not resolve';
    return new EcrTaskError(`Cannot reach ECR in region '${region}': ${host}. Either '${region}' is not an AWS region (check Registry.ecr({ region }) in .projenrc.ts) or this machine is offline`, true);
  }
  if (UNREACHABLE.has(e.code ?? '') || UNREACHABLE.has(name)) {
    return new EcrTaskError(`Cannot reach ECR in region '${region}' (${e.code ?? name}): check the network or proxy settings`, true);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return accessDenied(message, action);
  }
  if (THROTTLING.has(name) || e.$retryable?.throttling) {
    const attempts = e.$metadata?.attempts;
    return new EcrTaskError(`ECR kept throttling ${action} (${name})${attempts ? ` and the SDK gave up after ${attempts} attempts` : ''}: wait a minute, then run again`, false);
  }
  return new EcrTaskError(`${action} failed: ${name}${message ? `: ${message}` : ''}`, false);
}

function accessDenied(message: string, fallbackAction: string): EcrTaskError {
  const match = DENIED.exec(message);
  const action = match?.[1] ?? fallbackAction;
  const principal = DENIED_PRINCIPAL.exec(message)?.[1] ?? 'the caller';
  const reason = match?.[3];
  if (reason && /explicit deny in a resource-based policy/.test(reason)) {
    return new EcrTaskError(`Blocked by the repository policy: it explicitly denies ${action} to ${principal}. Change the repository's permissions in ECR or run as a principal it allows`, false);
  }
  if (reason && /no resource-based policy allows/.test(reason)) {
    return new EcrTaskError(`Blocked by the repository policy: it does not allow ${action} for ${principal}, which a caller from another account needs. Add that permission to the repository's policy or run in the registry's account`, false);
  }
  const why = reason ? ` (${reason})` : '';
  const fix = !reason || /no identity-based policy allows/.test(reason)
    ? `: attach ${OPERATOR_POLICY_PATH} (generated by npx projen) to the identity you run this with`
    : '';
  return new EcrTaskError(`Access denied: ${principal} may not call ${action}${why}${fix}`, false);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
