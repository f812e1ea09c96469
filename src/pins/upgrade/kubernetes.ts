import { HttpClient, SourceError } from './http';
import type { LockedTool } from '../lock-file';

/** The architectures a kubectl checksum is pinned for, as the Dockerfile's tools stage reads them. */
export const KUBECTL_ARCHITECTURES = ['amd64', 'arm64'] as const;

/**
 * kubectl's newest patch release of a minor from Kubernetes' release server
 * (`stable-<major.minor>.txt`), with the sha256 the release publishes for
 * each architecture. dl.k8s.io redirects to its CDN: the client follows.
 *
 * @see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/
 * @see https://kubernetes.io/releases/download/
 */
export async function latestKubectl(http: HttpClient, base: string, track: string): Promise<LockedTool> {
  const res = await http.request(`${base}/release/stable-${track}.txt`);
  if (res.status !== 200) {
    throw http.unexpected(res, `no stable release of kubectl ${track}: check the declared kubectl version's minor`);
  }
  const tag = res.body.toString('utf8').trim();
  const pattern = new RegExp(`^v${track.replace(/\./g, '\\.')}\\.\\d+$`);
  if (!pattern.test(tag)) {
    throw http.malformed(res, `expected v${track}.<patch>, got '${tag.slice(0, 40)}'`);
  }
  const sha256: Record<string, string> = {};
  for (const arch of KUBECTL_ARCHITECTURES) {
    const sum = await http.request(`${base}/release/${tag}/bin/linux/${arch}/kubectl.sha256`);
    if (sum.status !== 200) {
      throw http.unexpected(sum, `kubectl ${tag} publishes no checksum for ${arch} yet; run again later`);
    }
    const value = sum.body.toString('utf8').trim().split(/\s+/)[0];
    if (!/^[0-9a-f]{64}$/.test(value)) {
      throw new SourceError(http.source, `kubectl ${tag} ${arch}: the published checksum is not 64 hex digits: run again; if it persists, check PINS_KUBERNETES_URL`);
    }
    sha256[arch] = value;
  }
  return { version: tag.slice(1), sha256 };
}
