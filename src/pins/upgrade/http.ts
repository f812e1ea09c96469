/**
 * The one HTTP client every source uses: Node's fetch with a timeout on each
 * attempt, redirects followed by hand (bounded, credentials dropped when the
 * origin changes), a bounded retry of 429 and 5xx answers, and every failure
 * turned into one line naming the source and what to do.
 */

/** A failure of one source, as one line: `<source>: <what happened>: <what to do>`. */
export class SourceError extends Error {
  constructor(public readonly source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = 'SourceError';
  }
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

export interface HttpSettings {
  /** Seconds each attempt (connection, headers and body) may take. */
  readonly timeoutSeconds: number;
  /** Longest `Retry-After` waited for before one retry; a longer one fails the source. */
  readonly maxRetryAfterSeconds: number;
  /** Attempts for a 5xx answer or a broken connection. */
  readonly attempts: number;
}

/** Defaults, overridable with `PINS_HTTP_TIMEOUT_SECONDS`, `PINS_MAX_RETRY_AFTER_SECONDS`. */
export function httpSettings(env: NodeJS.ProcessEnv): HttpSettings {
  const num = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') {
      return fallback;
    }
    if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) {
      throw new SourceError('settings', `${name}='${value}' is not a number of seconds, e.g. 30`);
    }
    return Number(value);
  };
  return { timeoutSeconds: num('PINS_HTTP_TIMEOUT_SECONDS', 30), maxRetryAfterSeconds: num('PINS_MAX_RETRY_AFTER_SECONDS', 10), attempts: 3 };
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A client for one source: its name for messages and the variable that overrides its base URL. */
export class HttpClient {
  constructor(
    /** e.g. `GitHub API`. */
    public readonly source: string,
    /** The environment variable that points the source elsewhere, named in connection failures. */
    private readonly urlVariable: string,
    private readonly settings: HttpSettings,
  ) {}

  /** One request; 429, 5xx and broken connections retried within bounds, any other status returned. */
  public async request(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.follow(url, headers, method);
      } catch (error) {
        if (error instanceof SourceError || attempt >= this.settings.attempts) {
          throw error instanceof SourceError ? error : this.connectionError((error as { failedUrl?: string }).failedUrl ?? url, error);
        }
        continue;
      }
      if (response.status === 429 || (response.status === 403 && response.headers.has('retry-after'))) {
        const wait = retryAfterSeconds(response.headers.get('retry-after'));
        if (attempt >= this.settings.attempts || wait === undefined || wait > this.settings.maxRetryAfterSeconds) {
          throw new SourceError(this.source, `rate limited (HTTP ${response.status}${wait === undefined ? '' : `, retry after ${wait} s`}) at ${origin(url)}: run again later`
            + (this.source.startsWith('GitHub') ? ', or set GITHUB_TOKEN for a higher limit' : ''));
        }
        await sleep(wait * 1000);
        continue;
      }
      if (response.status >= 500) {
        if (attempt >= this.settings.attempts) {
          throw new SourceError(this.source, `HTTP ${response.status} from ${origin(url)} after ${attempt} attempts: the service is failing, run again later`);
        }
        await sleep(200 * attempt);
        continue;
      }
      return response;
    }
  }

  /** The body as JSON; a body that is not JSON is one clear line. */
  public json<T>(response: HttpResponse): T {
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch {
      throw this.malformed(response, 'not JSON');
    }
  }

  /** One line for an answer that is not what the API documents. */
  public malformed(response: HttpResponse, what: string): SourceError {
    return new SourceError(this.source, `malformed answer from ${pathOf(response.url)} (${what}): run again; if it persists, check ${this.urlVariable}`);
  }

  /** One line for an unexpected status. */
  public unexpected(response: HttpResponse, fix: string): SourceError {
    return new SourceError(this.source, `HTTP ${response.status} for ${pathOf(response.url)}: ${fix}`);
  }

  private async follow(url: string, headers: Record<string, string>, method: string): Promise<HttpResponse> {
    let current = url;
    let sent = headers;
    for (let hop = 0; ; hop++) {
      let res: Response;
      let body: Buffer;
      try {
        res = await fetch(current, {
          method,
          headers: sent,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.settings.timeoutSeconds * 1000),
        });
        body = Buffer.from(await res.arrayBuffer());
      } catch (error) {
        // The message names the host that failed, which after a redirect is not the one configured.
        throw Object.assign(error as Error, { failedUrl: current });
      }
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location) {
        return { status: res.status, headers: res.headers, body, url: current };
      }
      if (hop >= MAX_REDIRECTS) {
        throw new SourceError(this.source, `more than ${MAX_REDIRECTS} redirects from ${origin(url)}: check ${this.urlVariable}`);
      }
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new SourceError(this.source, `redirect to a non-HTTP URL from ${origin(current)}: check ${this.urlVariable}`);
      }
      // Credentials are for the origin they were given to, never for a CDN it redirects to.
      if (next.origin !== new URL(current).origin) {
        sent = Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== 'authorization'));
      }
      current = next.toString();
    }
  }

  private connectionError(url: string, error: unknown): SourceError {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return new SourceError(this.source, `no answer from ${origin(url)} within ${this.settings.timeoutSeconds} s: check the network, or ${this.urlVariable} for a mirror`);
    }
    const code = e.cause?.code ?? e.cause?.message ?? e.message;
    if (code === 'UND_ERR_SOCKET' || e.message === 'terminated') {
      return new SourceError(this.source, `the answer from ${origin(url)} was cut short (connection closed mid-body): run again; if it persists, check ${this.urlVariable}`);
    }
    return new SourceError(this.source, `cannot reach ${origin(url)} (${code}): check the network, or ${this.urlVariable} for a mirror`);
  }
}

/** `Retry-After` as seconds: a number or an HTTP date. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null) {
    return undefined;
  }
  if (/^[0-9]+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function origin(url: string): string {
  return new URL(url).origin;
}

/** The URL without its query, which may carry a registry token's scope. */
function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A base URL from the environment or the default, without a trailing '/'. */
export function baseUrl(env: NodeJS.ProcessEnv, variable: string, fallback: string): string {
  const value = env[variable] || fallback;
  if (!/^https?:\/\/[^\s]+$/.test(value)) {
    throw new SourceError('settings', `${variable}='${value}' is not an http(s) URL, e.g. ${fallback}`);
  }
  return value.replace(/\/+$/, '');
}
