import { parse } from 'yaml';
import { HttpClient, HttpResponse, SourceError } from './http';
import type { LockedAction } from '../lock-file';

const MAX_PAGES = 20;
const SHA = /^[0-9a-f]{40}$/;

/**
 * GitHub's REST API as the upgrade reads it: releases (paginated by `Link`),
 * the commit a tag points to, an action's `action.yml` at that commit, and
 * tags by prefix. A token from `GITHUB_TOKEN` raises the rate limit; it is
 * sent as a header and never printed.
 *
 * @see https://docs.github.com/en/rest/releases/releases#list-releases
 * @see https://docs.github.com/en/rest/git/refs#get-a-reference
 * @see https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
export class GitHubReleases {
  constructor(private readonly http: HttpClient, private readonly api: string, private readonly token?: string) {}

  /** The newest release `v<major>.x.y` of an action, with its commit, runtime and inputs. */
  public async latestAction(repo: string, major: number): Promise<LockedAction> {
    const releases = await this.paged<{ tag_name?: unknown; draft?: unknown; prerelease?: unknown }>(`/repos/${repo}/releases`);
    const pattern = new RegExp(`^v${major}\\.(\\d+)\\.(\\d+)$`);
    const tags = releases
      .filter((r) => r.draft !== true && r.prerelease !== true && typeof r.tag_name === 'string' && pattern.test(r.tag_name))
      .map((r) => r.tag_name as string);
    const tag = newest(tags);
    if (!tag) {
      throw new SourceError(this.http.source, `${repo} has no release v${major}.x.y: check its major in src/github/actions.ts`);
    }
    const commit = await this.tagCommit(repo, tag);
    const metadata = await this.actionMetadata(repo, commit, tag);
    return { tag, commit, ...metadata };
  }

  /** The newest tag `<track>.x.y` (e.g. track `2` → `2.31.4`), from the tags whose name starts with `<track>.`. */
  public async latestTag(repo: string, track: string): Promise<string> {
    const refs = await this.paged<{ ref?: unknown }>(`/repos/${repo}/git/matching-refs/tags/${track}.`);
    const pattern = new RegExp(`^refs/tags/(${track.replace(/\./g, '\\.')}\\.\\d+\\.\\d+)$`);
    const found = newest(refs.flatMap((r) => {
      const m = typeof r.ref === 'string' ? pattern.exec(r.ref) : null;
      return m ? [m[1]] : [];
    }));
    if (!found) {
      throw new SourceError(this.http.source, `${repo} has no tag ${track}.x.y`);
    }
    return found;
  }

  /** The commit a tag names; an annotated tag's object is dereferenced to its commit. */
  public async tagCommit(repo: string, tag: string): Promise<string> {
    let object = await this.object(`/repos/${repo}/git/ref/tags/${tag}`, `tag ${tag} of ${repo}`);
    for (let depth = 0; object.type === 'tag' && depth < 5; depth++) {
      object = await this.object(`/repos/${repo}/git/tags/${object.sha}`, `tag object of ${tag} of ${repo}`);
    }
    if (object.type !== 'commit') {
      throw new SourceError(this.http.source, `tag ${tag} of ${repo} points to a ${object.type}, not a commit`);
    }
    return object.sha;
  }

  private async object(path: string, what: string): Promise<{ type: string; sha: string }> {
    const res = await this.get(path);
    if (res.status === 404) {
      throw new SourceError(this.http.source, `${what} not found (HTTP 404): the release may have been deleted; run again`);
    }
    this.check(res);
    const body = this.http.json<{ object?: { type?: unknown; sha?: unknown } }>(res);
    const type = body.object?.type;
    const sha = body.object?.sha;
    if (typeof type !== 'string' || typeof sha !== 'string' || !SHA.test(sha)) {
      throw this.http.malformed(res, `no object.type and 40-hex object.sha for ${what}`);
    }
    return { type, sha };
  }

  /**
   * `runs.using` and the inputs of the action's metadata file at a commit,
   * read raw through the contents API (the same client, token and rate limit).
   * @see https://docs.github.com/en/rest/repos/contents#get-repository-content
   */
  private async actionMetadata(repo: string, commit: string, tag: string): Promise<Pick<LockedAction, 'runs' | 'inputs'>> {
    for (const file of ['action.yml', 'action.yaml']) {
      const res = await this.get(`/repos/${repo}/contents/${file}?ref=${commit}`, 'application/vnd.github.raw+json');
      if (res.status === 404) {
        continue;
      }
      this.check(res);
      let doc: { runs?: { using?: unknown }; inputs?: Record<string, { required?: unknown; default?: unknown } | null> };
      try {
        doc = parse(res.body.toString('utf8')) ?? {};
      } catch {
        throw this.http.malformed(res, `${file} of ${repo} ${tag} is not YAML`);
      }
      const using = doc.runs?.using;
      if (typeof using !== 'string') {
        throw this.http.malformed(res, `${file} of ${repo} ${tag} has no runs.using`);
      }
      const inputs: Record<string, boolean> = {};
      for (const [name, spec] of Object.entries(doc.inputs ?? {})) {
        // Required means the caller must give it: `required: true` and no default to fall back on.
        inputs[name] = (spec?.required === true || spec?.required === 'true') && spec?.default === undefined;
      }
      return { runs: using, inputs };
    }
    throw new SourceError(this.http.source, `${repo} ${tag} has no action.yml or action.yaml at ${commit}`);
  }

  /** Every item of a list endpoint, following `Link: <...>; rel="next"` on the same origin. */
  private async paged<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = `${this.api}${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    for (let page = 1; url; page++) {
      if (page > MAX_PAGES) {
        throw new SourceError(this.http.source, `more than ${MAX_PAGES} pages for ${path}: check PINS_GITHUB_API_URL`);
      }
      const res = await this.getUrl(url);
      if (res.status === 404) {
        throw new SourceError(this.http.source, `${path} not found (HTTP 404): check the repository name`);
      }
      this.check(res);
      const body = this.http.json<unknown>(res);
      if (!Array.isArray(body)) {
        throw this.http.malformed(res, 'expected a JSON array');
      }
      items.push(...(body as T[]));
      url = nextLink(res.headers.get('link'), res.url);
      if (url && new URL(url).origin !== new URL(this.api).origin) {
        throw new SourceError(this.http.source, `the next page of ${path} is on another host: check PINS_GITHUB_API_URL`);
      }
    }
    return items;
  }

  private get(path: string, accept = 'application/vnd.github+json'): Promise<HttpResponse> {
    return this.getUrl(`${this.api}${path}`, accept);
  }

  private getUrl(url: string, accept = 'application/vnd.github+json'): Promise<HttpResponse> {
    return this.http.request(url, {
      'Accept': accept,
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'ml-image-pipelines-upgrade-pins',
      ...this.token ? { Authorization: `Bearer ${this.token}` } : {},
    });
  }

  /** A 403 with no requests left is GitHub's primary rate limit; any other non-200 is one line too. */
  private check(res: HttpResponse): void {
    if (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
      throw new SourceError(this.http.source, `rate limit exhausted${when}: set GITHUB_TOKEN for a higher limit, or run again after that`);
    }
    if (res.status === 401) {
      throw new SourceError(this.http.source, 'HTTP 401, the token was refused: check GITHUB_TOKEN, or unset it');
    }
    if (res.status !== 200) {
      throw this.http.unexpected(res, 'run again later; if it persists, check PINS_GITHUB_API_URL');
    }
  }
}

/** The URL of `rel="next"` in a `Link` header, resolved against the page's URL. */
export function nextLink(link: string | null, base: string): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/.test(m[2])) {
      return new URL(m[1], base).toString();
    }
  }
  return undefined;
}

/** The highest of `vX.Y.Z` / `X.Y.Z` tags by number. */
export function newest(tags: readonly string[]): string | undefined {
  const key = (t: string) => t.replace(/^v/, '').split('.').map(Number);
  return [...tags].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] ?? 0) !== (y[i] ?? 0)) {
        return (y[i] ?? 0) - (x[i] ?? 0);
      }
    }
    return 0;
  })[0];
}
