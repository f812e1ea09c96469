import { createHash } from 'node:crypto';
import { HttpClient, HttpResponse, SourceError } from './http';
import type { BaseImageIntent } from '../intent';
import type { LockedBaseImage } from '../lock-file';

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The multi-platform index a base image's tag names, through the registry
 * API: an anonymous bearer token from the realm the registry's 401 names
 * (Docker Hub's token flow), then the manifest by tag, asking for an index.
 * The digest is `Docker-Content-Digest`, checked against the sha256 of the
 * bytes received; the per-platform digests come from the index itself.
 *
 * @see https://distribution.github.io/distribution/spec/auth/token/
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 */
export class RegistryDigests {
  private readonly tokens = new Map<string, string>();

  /** @param dockerHub the base URL standing for `registry-1.docker.io` */
  constructor(private readonly http: HttpClient, private readonly dockerHub: string) {}

  public async resolve(reference: string, image: BaseImageIntent): Promise<LockedBaseImage> {
    const base = image.registry === 'registry-1.docker.io' ? this.dockerHub : `https://${image.registry}`;
    const url = `${base}/v2/${image.repository}/manifests/${image.tag}`;
    const res = await this.authorized(url, image.repository);
    if (res.status === 404) {
      throw new SourceError(this.http.source, `${reference}: the tag is not in ${image.registry}/${image.repository} (HTTP 404): fix baseImage in .projenrc.ts`);
    }
    if (res.status !== 200) {
      throw this.http.unexpected(res, `${reference} could not be read; run again later`);
    }
    const digest = res.headers.get('docker-content-digest') ?? '';
    if (!DIGEST.test(digest)) {
      throw this.http.malformed(res, `${reference}: no sha256 Docker-Content-Digest header`);
    }
    const actual = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (actual !== digest) {
      throw new SourceError(this.http.source, `${reference}: the index received hashes to ${actual}, not the ${digest} the registry announced: the answer was altered or cut short, nothing pinned; run again, or check the mirror`);
    }
    const index = this.http.json<{ mediaType?: unknown; manifests?: unknown }>(res);
    const mediaType = index.mediaType ?? res.headers.get('content-type');
    if (!INDEX_TYPES.includes(String(mediaType)) || !Array.isArray(index.manifests)) {
      throw new SourceError(this.http.source, `${reference} is not a multi-platform index (${String(mediaType)}): name a tag published for several platforms`);
    }
    const platforms: Record<string, string> = {};
    for (const m of index.manifests as Array<{ digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }>) {
      const { os, architecture, variant } = m.platform ?? {};
      // Attestation manifests carry `unknown/unknown`: they are no platform.
      if (typeof os !== 'string' || typeof architecture !== 'string' || os === 'unknown' || typeof m.digest !== 'string') {
        continue;
      }
      if (!DIGEST.test(m.digest)) {
        throw this.http.malformed(res, `${reference}: platform ${os}/${architecture} has digest '${m.digest}'`);
      }
      platforms[[os, architecture, ...typeof variant === 'string' ? [variant] : []].join('/')] = m.digest;
    }
    return { digest, platforms };
  }

  /** GET with the index types accepted; on a 401 naming a Bearer realm, fetch an anonymous token and ask again. */
  private async authorized(url: string, repository: string): Promise<HttpResponse> {
    const accept = { Accept: INDEX_TYPES.join(', ') };
    const known = this.tokens.get(repository);
    let res = await this.http.request(url, known ? { ...accept, Authorization: `Bearer ${known}` } : accept);
    if (res.status !== 401) {
      return res;
    }
    const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
    if (!challenge) {
      throw new SourceError(this.http.source, `${pathOnly(url)} wants credentials but names no Bearer realm: a private registry is not supported by the upgrade`);
    }
    const token = await this.token(challenge, repository);
    res = await this.http.request(url, { ...accept, Authorization: `Bearer ${token}` });
    if (res.status === 401) {
      throw new SourceError(this.http.source, `${pathOnly(url)} refused the registry's own token (HTTP 401): run again later`);
    }
    return res;
  }

  private async token(challenge: Record<string, string>, repository: string): Promise<string> {
    const realm = new URL(challenge.realm);
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new SourceError(this.http.source, `the token realm '${challenge.realm}' is not an http(s) URL`);
    }
    if (challenge.service) {
      realm.searchParams.set('service', challenge.service);
    }
    realm.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
    const res = await this.http.request(realm.toString());
    if (res.status !== 200) {
      throw this.http.unexpected(res, 'the registry\'s token service refused an anonymous pull token; run again later');
    }
    const body = this.http.json<{ token?: unknown; access_token?: unknown }>(res);
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw this.http.malformed(res, 'no token in the token service\'s answer');
    }
    this.tokens.set(repository, token);
    return token;
  }
}

/** The parameters of `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`. */
export function parseBearerChallenge(header: string | null): Record<string, string> | undefined {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header ?? '');
  if (!m) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const p of m[1].matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
    params[p[1].toLowerCase()] = p[2];
  }
  return params.realm ? params : undefined;
}

function pathOnly(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
