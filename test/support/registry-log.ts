/** One request docker-registry answered, from its `response completed` log line. */
export interface RegistryRequest {
  readonly method: string;
  /** Path and query, e.g. `/v2/app/blobs/uploads/<uuid>?digest=sha256%3A...`. */
  readonly uri: string;
  readonly status: number;
  /** Bytes of the response body. */
  readonly bytesWritten: number;
}

/**
 * The requests in a docker-registry log written with `formatter: json` at
 * level info (`startRegistry(dir, { logRequests: true })`), in order.
 */
export function registryRequests(log: string): RegistryRequest[] {
  return log.split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
    const entry = JSON.parse(line);
    return entry.msg === 'response completed'
      ? [{
        method: entry['http.request.method'],
        uri: entry['http.request.uri'],
        status: Number(entry['http.response.status']),
        bytesWritten: Number(entry['http.response.written'] ?? 0),
      }]
      : [];
  });
}

/**
 * The blobs whose upload completed, by digest, in `repository`.
 *
 * Exact: distribution stores a blob only when an upload session is closed by
 * `PUT /v2/<name>/blobs/uploads/<id>?digest=<digest>` answered 201, whether
 * the client sent the bytes in PATCHes before or in that PUT (the spec's
 * monolithic and chunked uploads both end that way). A blob the client found
 * with HEAD, or mounted from another repository, is no upload and is not
 * counted; a blob uploaded twice is counted twice.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 */
export function uploadedBlobs(requests: readonly RegistryRequest[], repository: string): string[] {
  const prefix = `/v2/${repository}/blobs/uploads/`;
  return requests
    .filter((r) => r.method === 'PUT' && r.status === 201 && r.uri.startsWith(prefix))
    .map((r) => new URLSearchParams(r.uri.slice(r.uri.indexOf('?') + 1)).get('digest') ?? '');
}

/** The references (tags or digests) under which manifests were written to `repository`. */
export function writtenManifests(requests: readonly RegistryRequest[], repository: string): string[] {
  const prefix = `/v2/${repository}/manifests/`;
  return requests
    .filter((r) => r.method === 'PUT' && r.status === 201 && r.uri.startsWith(prefix))
    .map((r) => decodeURIComponent(r.uri.slice(prefix.length)));
}
