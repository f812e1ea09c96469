import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A release as GitHub's releases API lists it. */
export interface FakeRelease {
  readonly tag: string;
  readonly commit: string;
  /** An annotated tag: `git/ref/tags/<tag>` names a tag object to dereference. */
  readonly annotated?: boolean;
  readonly draft?: boolean;
  readonly prerelease?: boolean;
  /** The action.yml at the commit; absent: no action.yml at all (404). */
  readonly actionYml?: string;
}

/** One Python release: its wheel/sdist files as PyPI's JSON API lists them. */
export interface FakePypiFile {
  readonly filename: string;
  readonly packagetype: 'bdist_wheel' | 'sdist';
  readonly requires_python?: string | null;
  readonly yanked?: boolean;
}

/** A fault answered instead of the real answer for requests whose path matches, `times` times. */
export interface Fault {
  readonly path: RegExp;
  readonly times?: number;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Hold the request open without answering. */
  readonly hang?: boolean;
  /** Announce a longer body than is sent, then close the connection. */
  readonly cut?: boolean;
}

export interface LoggedRequest {
  readonly server: 'main' | 'cdn';
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly accept?: string;
}

/**
 * GitHub's REST API, Docker Hub's registry and token service, Kubernetes'
 * release server (redirecting to a CDN on another origin) and PyPI's JSON
 * API on 127.0.0.1, speaking them as documented: `Link` pagination with
 * `per_page`, annotated tags, raw contents, the registry's 401 challenge and
 * anonymous tokens, index digests over the exact bytes sent. Faults replace
 * answers by path: rate limits, 5xx, malformed or cut bodies, silence.
 */
export class PinsSourcesServer {
  public releases: Record<string, FakeRelease[]> = {};
  public awsCliTags: string[] = [];
  /** By `repository:tag`, e.g. `library/python:3.11-slim`: the index's platforms → manifest digests. */
  public indexes: Record<string, Record<string, string>> = {};
  /** Tamper with the index bytes after the digest header is computed. */
  public corruptIndex = false;
  public kubectlStable: Record<string, string> = {};
  public kubectlSha256: Record<string, string> = {};
  public pypi: Record<string, Record<string, FakePypiFile[]>> = {};
  public faults: Fault[] = [];
  public readonly log: LoggedRequest[] = [];
  private readonly tokens = new Set<string>();
  private main?: Server;
  private cdn?: Server;
  private hanging: ServerResponse[] = [];

  public url = '';
  public cdnUrl = '';

  public async start(): Promise<void> {
    this.main = createServer((req, res) => this.handle('main', req, res));
    this.cdn = createServer((req, res) => this.handle('cdn', req, res));
    this.url = await listen(this.main);
    this.cdnUrl = await listen(this.cdn);
  }

  public async stop(): Promise<void> {
    this.hanging.forEach((r) => r.destroy());
    await Promise.all([this.main, this.cdn].map((s) => new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)))));
  }

  /** The environment that points the upgrade at this server. */
  public env(): Record<string, string> {
    return {
      PINS_GITHUB_API_URL: `${this.url}/github`,
      PINS_DOCKER_HUB_URL: `${this.url}/registry`,
      PINS_KUBERNETES_URL: `${this.url}/k8s`,
      PINS_PYPI_URL: `${this.url}/pypi-org`,
    };
  }

  /** The digest the registry announces for an index, as the upgrade should lock it. */
  public indexDigest(key: string): string {
    return `sha256:${createHash('sha256').update(this.indexBody(key)).digest('hex')}`;
  }

  private indexBody(key: string): string {
    const manifests = Object.entries(this.indexes[key]).map(([platform, digest]) => {
      const [os, architecture, variant] = platform.split('/');
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1234, platform: { os, architecture, ...variant ? { variant } : {} } };
    });
    // An attestation manifest, as Docker Hub's official images carry: no platform.
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 800, platform: { os: 'unknown', architecture: 'unknown' } });
    return JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  }

  private handle(server: 'main' | 'cdn', req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.log.push({ server, method: req.method ?? 'GET', path: url.pathname + url.search, authorization: req.headers.authorization, accept: req.headers.accept });
    const fault = this.faults.find((f) => f.path.test(url.pathname) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) {
        (fault as { times: number }).times = fault.times - 1;
      }
      if (fault.hang) {
        this.hanging.push(res);
        return;
      }
      if (fault.cut) {
        res.writeHead(fault.status ?? 200, { 'Content-Length': String((fault.body ?? '').length + 1000), ...fault.headers });
        res.write(fault.body ?? '', () => res.socket?.destroy());
        return;
      }
      res.writeHead(fault.status ?? 200, fault.headers ?? {});
      res.end(fault.body ?? '');
      return;
    }
    try {
      if (server === 'cdn') {
        return this.kubernetes(url, res, true);
      }
      const [, area] = url.pathname.split('/');
      switch (area) {
        case 'github': return this.github(url, req, res);
        case 'registry': return this.registry(url, req, res);
        case 'k8s': return this.kubernetes(url, res, false);
        case 'pypi-org': return this.pypiJson(url, res);
        default: return send(res, 404, { message: 'Not Found' });
      }
    } catch (error) {
      send(res, 500, { message: String(error) });
    }
  }

  private github(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const path = url.pathname.slice('/github'.length);
    let m = /^\/repos\/([^/]+\/[^/]+)\/releases$/.exec(path);
    if (m) {
      const list = (this.releases[m[1]] ?? []).map((r, i) =>
        ({ id: i + 1, tag_name: r.tag, draft: r.draft ?? false, prerelease: r.prerelease ?? false }));
      return this.paginate(url, res, list);
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/git\/matching-refs\/tags\/(.*)$/.exec(path);
    if (m) {
      const prefix = m[2];
      const refs = m[1] === 'aws/aws-cli' ? this.awsCliTags.filter((t) => t.startsWith(prefix)).map((t) => ({ ref: `refs/tags/${t}`, object: { type: 'commit', sha: sha1(t) } })) : [];
      return this.paginate(url, res, refs);
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/git\/ref\/tags\/(.+)$/.exec(path);
    if (m) {
      const release = (this.releases[m[1]] ?? []).find((r) => r.tag === m![2]);
      if (!release) {
        return send(res, 404, { message: 'Not Found' });
      }
      return send(res, 200, { ref: `refs/tags/${release.tag}`, object: release.annotated ? { type: 'tag', sha: sha1(`tag-object-${release.tag}`) } : { type: 'commit', sha: release.commit } });
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/git\/tags\/([0-9a-f]{40})$/.exec(path);
    if (m) {
      const release = (this.releases[m[1]] ?? []).find((r) => r.annotated && sha1(`tag-object-${r.tag}`) === m![2]);
      return release ? send(res, 200, { sha: m[2], tag: release.tag, object: { type: 'commit', sha: release.commit } }) : send(res, 404, { message: 'Not Found' });
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/contents\/(action\.ya?ml)$/.exec(path);
    if (m) {
      const release = (this.releases[m[1]] ?? []).find((r) => r.commit === url.searchParams.get('ref'));
      if (!release?.actionYml || m[2] !== 'action.yml') {
        return send(res, 404, { message: 'Not Found' });
      }
      if (!(req.headers.accept ?? '').includes('application/vnd.github.raw')) {
        return send(res, 200, { type: 'file', encoding: 'base64', content: Buffer.from(release.actionYml).toString('base64') });
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.github.raw+json' });
      res.end(release.actionYml);
      return;
    }
    send(res, 404, { message: 'Not Found' });
  }

  /** GitHub's pagination: `per_page` (max 100), `page`, and a `Link` header with `next` and `last`. */
  private paginate(url: URL, res: ServerResponse, items: unknown[]): void {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      return `<${this.url}${u.pathname}${u.search}>`;
    };
    const links = [...page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : [], ...page > 1 ? [`${link(1)}; rel="first"`] : []];
    res.writeHead(200, { 'Content-Type': 'application/json', ...links.length ? { Link: links.join(', ') } : {}, 'x-ratelimit-remaining': '59' });
    res.end(JSON.stringify(items.slice((page - 1) * perPage, page * perPage)));
  }

  private registry(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const path = url.pathname.slice('/registry'.length);
    if (path === '/token') {
      const scope = url.searchParams.get('scope') ?? '';
      if (url.searchParams.get('service') !== 'registry.docker.io' || !/^repository:[a-z0-9/._-]+:pull$/.test(scope)) {
        return send(res, 400, { errors: [{ code: 'DENIED' }] });
      }
      const token = randomBytes(8).toString('hex');
      this.tokens.add(token);
      return send(res, 200, { token, access_token: token, expires_in: 300 });
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (!m) {
      return send(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer)) {
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Bearer realm="${this.url}/registry/token",service="registry.docker.io",scope="repository:${m[1]}:pull"`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }));
      return;
    }
    const key = `${m[1]}:${m[2]}`;
    if (!this.indexes[key]) {
      return send(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    }
    const body = this.indexBody(key);
    const digest = this.indexDigest(key);
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json', 'Docker-Content-Digest': digest });
    res.end(this.corruptIndex ? body.replace('"size":1234', '"size":1235') : body);
  }

  /** dl.k8s.io: every path redirects to the CDN (another origin), which answers. */
  private kubernetes(url: URL, res: ServerResponse, onCdn: boolean): void {
    if (!onCdn) {
      res.writeHead(302, { Location: `${this.cdnUrl}${url.pathname.slice('/k8s'.length)}` });
      res.end();
      return;
    }
    let m = /^\/release\/stable-(\d+\.\d+)\.txt$/.exec(url.pathname);
    if (m && this.kubectlStable[m[1]]) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(this.kubectlStable[m[1]]);
      return;
    }
    m = /^\/release\/(v[0-9.]+)\/bin\/linux\/(amd64|arm64)\/kubectl\.sha256$/.exec(url.pathname);
    if (m && this.kubectlSha256[`${m[1]}/${m[2]}`]) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(this.kubectlSha256[`${m[1]}/${m[2]}`]);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/xml' });
    res.end('<Error><Code>NoSuchKey</Code></Error>');
  }

  private pypiJson(url: URL, res: ServerResponse): void {
    const m = /^\/pypi-org\/pypi\/([^/]+)\/json$/.exec(url.pathname);
    const releases = m ? this.pypi[m[1]] : undefined;
    if (!m || !releases) {
      return send(res, 404, { message: 'Not Found' });
    }
    const files = (list: FakePypiFile[]) => list.map((f) => ({ requires_python: null, yanked: false, ...f, url: `https://files.example/${f.filename}` }));
    send(res, 200, {
      info: { name: m[1], version: Object.keys(releases).pop() },
      releases: Object.fromEntries(Object.entries(releases).map(([v, list]) => [v, files(list)])),
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}
