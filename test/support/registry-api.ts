import { createHash } from 'node:crypto';
import { MANIFEST_MEDIA_TYPES } from '../../src/shell/library';

/** A manifest as the registry serves it: the exact bytes, and what they name. */
export interface ServedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  /** sha256 of the bytes, which is the manifest's digest. */
  readonly digest: string;
  /** The `Docker-Content-Digest` header the registry sent with them. */
  readonly headerDigest: string | null;
  readonly config: string;
  readonly layers: readonly string[];
}

const TIMEOUT = 10_000;

/** A registry login, sent with HTTP Basic authentication (ECR's registry API takes `AWS` and a token). */
export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
}

function authorization(login?: RegistryLogin): Record<string, string> {
  return login ? { Authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` } : {};
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** GET /v2/<repository>/manifests/<reference>, accepting every image manifest type. */
export async function getManifest(host: string, repository: string, reference: string, login?: RegistryLogin): Promise<ServedManifest> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    headers: { Accept: MANIFEST_MEDIA_TYPES.join(', '), ...authorization(login) },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (response.status !== 200) {
    throw new Error(`GET ${repository}:${reference} answered ${response.status}: ${await response.text()}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const parsed = JSON.parse(bytes.toString('utf8'));
  return {
    bytes,
    mediaType: response.headers.get('content-type') ?? '',
    digest: sha256(bytes),
    headerDigest: response.headers.get('docker-content-digest'),
    config: parsed.config?.digest ?? '',
    layers: (parsed.layers ?? []).map((l: { digest: string }) => l.digest),
  };
}

/** Uploads a blob in one request (POST, then PUT with the digest) and returns its digest. */
export async function putBlob(host: string, repository: string, bytes: Buffer | string, login?: RegistryLogin): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, {
    method: 'POST', headers: authorization(login), signal: AbortSignal.timeout(TIMEOUT),
  });
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
    headers: { 'Content-Type': 'application/octet-stream', ...authorization(login) },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (put.status !== 201) {
    throw new Error(`blob upload to ${repository} answered ${put.status}: ${await put.text()}`);
  }
  return digest;
}

/** Writes manifest bytes under a tag with their media type; returns their digest. */
export async function putManifest(
  host: string, repository: string, tag: string, bytes: string, mediaType: string, login?: RegistryLogin,
): Promise<string> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: Buffer.from(bytes),
    headers: { 'Content-Type': mediaType, ...authorization(login) },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (response.status !== 201) {
    throw new Error(`manifest PUT ${repository}:${tag} answered ${response.status}: ${await response.text()}`);
  }
  return sha256(bytes);
}

/** DELETE /v2/<repository>/manifests/<digest>: the image is gone, whatever named it (needs a registry started with `deletes`). */
export async function deleteManifest(host: string, repository: string, digest: string, login?: RegistryLogin): Promise<void> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE', headers: authorization(login), signal: AbortSignal.timeout(TIMEOUT),
  });
  if (response.status !== 202) {
    throw new Error(`manifest DELETE ${repository}@${digest} answered ${response.status}: ${await response.text()}`);
  }
}

/** The size of a blob, from HEAD /v2/<repository>/blobs/<digest>. */
export async function blobSize(host: string, repository: string, digest: string): Promise<number> {
  const response = await fetch(`http://${host}/v2/${repository}/blobs/${digest}`, { method: 'HEAD', signal: AbortSignal.timeout(TIMEOUT) });
  if (response.status !== 200) {
    throw new Error(`HEAD blob ${digest} in ${repository} answered ${response.status}`);
  }
  return Number(response.headers.get('content-length'));
}

/** A JSON blob, such as an image config. */
export async function getBlobJson(host: string, repository: string, digest: string): Promise<any> {
  const response = await fetch(`http://${host}/v2/${repository}/blobs/${digest}`, { signal: AbortSignal.timeout(TIMEOUT) });
  if (response.status !== 200) {
    throw new Error(`GET blob ${digest} in ${repository} answered ${response.status}`);
  }
  return response.json();
}
