import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { committedLock, fakeDigest, fakeSha, serveCommittedLock } from './support/pins-fixtures';
import { PinsSourcesServer } from './support/pins-sources-server';
import type { PinsIntent } from '../src/pins/intent';
import { HttpClient, httpSettings } from '../src/pins/upgrade/http';
import { resolveLock, Sources } from '../src/pins/upgrade/resolve';

const server = new PinsSourcesServer();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.faults = [];
  server.corruptIndex = false;
  server.log.length = 0;
  serveCommittedLock(server);
});

/** The committed declaration's intent, trimmed to one input per source. */
const intent: PinsIntent = {
  intentVersion: 1,
  actions: { 'actions/checkout': { major: 7 }, 'docker/build-push-action': { major: 7 } },
  baseImages: { 'python:3.11-slim': { registry: 'registry-1.docker.io', repository: 'library/python', tag: '3.11-slim', python: '3.11' } },
  tools: { 'aws-cli': { track: '2' }, 'kubectl': { track: '1.33' } },
  pythonPackages: {
    mlflow: { name: 'mlflow', pythons: ['3.11'], architectures: ['amd64'] },
    torch: { name: 'torch', version: '2.5.1', pythons: ['3.11'], architectures: ['amd64'] },
  },
  images: { 'vllm-deployment': { baseImage: 'python:3.11-slim', tools: ['aws-cli', 'kubectl'], pythonPackages: ['mlflow', 'torch'] } },
};

async function resolve(env: Record<string, string> = {}) {
  return resolveLock(intent, Sources.fromEnv({ ...server.env(), PINS_MAX_RETRY_AFTER_SECONDS: '2', ...env }));
}

function errorsOf(result: Awaited<ReturnType<typeof resolve>>): readonly string[] {
  return 'errors' in result ? result.errors : [];
}

test('every source answers the locked value past drafts, prereleases, other majors, pages, yanked and wheel-less releases', async () => {
  const lock = committedLock();
  const result = await resolve();
  expect(errorsOf(result)).toEqual([]);
  const resolved = 'lock' in result ? result.lock : undefined;
  expect(resolved?.actions).toEqual({ 'actions/checkout': lock.actions['actions/checkout'], 'docker/build-push-action': lock.actions['docker/build-push-action'] });
  expect(resolved?.tools).toEqual(lock.tools);
  // Both served with a pure-Python wheel; the declared torch is kept, and its wheels are read too.
  expect(resolved?.pythonPackages).toEqual({
    mlflow: { ...lock.pythonPackages.mlflow, wheels: { 3.11: ['any'] } },
    torch: { version: '2.5.1', wheels: { 3.11: ['any'] } },
  });
  expect(resolved?.baseImages['python:3.11-slim']).toEqual({
    digest: server.indexDigest('library/python:3.11-slim'),
    platforms: { 'linux/amd64': fakeDigest('python:3.11-slim amd64 1'), 'linux/arm64/v8': fakeDigest('python:3.11-slim arm64 1') },
  });
  // The releases were read over two pages; the annotated tag was dereferenced.
  expect(server.log.filter((r) => r.path.startsWith('/github/repos/actions/checkout/releases')).map((r) => r.path))
    .toEqual(['/github/repos/actions/checkout/releases?per_page=100', '/github/repos/actions/checkout/releases?per_page=100&page=2']);
  expect(server.log.some((r) => /\/git\/tags\/[0-9a-f]{40}$/.test(r.path))).toBe(true);
});

test('a newer release of the same major is picked, with the inputs and runtime of its own action.yml', async () => {
  const commit = fakeSha('checkout v7.1.0');
  server.releases['actions/checkout'].unshift({ tag: 'v7.1.0', commit, actionYml: 'inputs:\n  token:\n    required: true\n  ref:\n    required: true\n    default: main\nruns:\n  using: node24\n  main: x.js\n' });
  const result = await resolve();
  expect('lock' in result && result.lock.actions['actions/checkout']).toEqual({ tag: 'v7.1.0', commit, runs: 'node24', inputs: { token: true, ref: false } });
});

test('the GitHub token is sent to the API only, and a redirect to another origin drops it', async () => {
  await resolve({ GITHUB_TOKEN: 'ghs_secret' });
  const github = server.log.filter((r) => r.path.startsWith('/github/'));
  expect(github.every((r) => r.authorization === 'Bearer ghs_secret')).toBe(true);
  expect(server.log.filter((r) => !r.path.startsWith('/github/')).some((r) => r.authorization === 'Bearer ghs_secret')).toBe(false);

  server.faults = [{ path: /^\/moved$/, status: 302, headers: { Location: `${server.cdnUrl}/release/stable-1.33.txt` } }];
  const http = new HttpClient('test', 'X', httpSettings({}));
  const res = await http.request(`${server.url}/moved`, { Authorization: 'Bearer ghs_secret' });
  expect(res.status).toBe(200);
  expect(server.log.filter((r) => r.server === 'cdn').map((r) => r.authorization)).toEqual([undefined]);
});

test('kubectl is read through the release server\'s redirect to its CDN', async () => {
  await resolve();
  expect(server.log.filter((r) => r.server === 'cdn').map((r) => r.path)).toEqual([
    '/release/stable-1.33.txt',
    '/release/v1.33.3/bin/linux/amd64/kubectl.sha256',
    '/release/v1.33.3/bin/linux/arm64/kubectl.sha256',
  ]);
});

const reset = Math.floor(Date.UTC(2026, 11, 2, 15, 0, 0) / 1000);

test.each([
  ['GitHub\'s primary rate limit (403, no requests left)', { path: /\/releases$/, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: '{"message":"API rate limit exceeded"}' },
    'GitHub API: rate limit exhausted until 2026-12-02T15:00:00.000Z: set GITHUB_TOKEN for a higher limit, or run again after that'],
  ['a 429 whose Retry-After is longer than the upgrade waits', { path: /\/pypi\/mlflow\/json$/, status: 429, headers: { 'Retry-After': '3600' } },
    `PyPI: rate limited (HTTP 429, retry after 3600 s) at ${'<server>'}: run again later`],
  ['a registry that keeps failing with 503', { path: /\/manifests\//, status: 503 },
    'container registry: HTTP 503 from <server> after 3 attempts: the service is failing, run again later'],
  ['releases that are not JSON', { path: /checkout\/releases$/, body: '<html>proxy error</html>' },
    'GitHub API: malformed answer from <server>/github/repos/actions/checkout/releases (not JSON): run again; if it persists, check PINS_GITHUB_API_URL'],
  ['an answer cut short', { path: /\/pypi\/mlflow\/json$/, cut: true, body: '{"info": {' },
    'PyPI: the answer from <server> was cut short (connection closed mid-body): run again; if it persists, check PINS_PYPI_URL'],
  ['a checksum file that is not a checksum', { path: /\/amd64\/kubectl\.sha256$/, body: '<Error/>' },
    'Kubernetes releases: kubectl v1.33.3 amd64: the published checksum is not 64 hex digits: run again; if it persists, check PINS_KUBERNETES_URL'],
  ['a redirect loop', { path: /stable-1\.33\.txt$/, status: 302, headers: { Location: '/k8s/release/stable-1.33.txt' } },
    'Kubernetes releases: more than 5 redirects from <server>: check PINS_KUBERNETES_URL'],
])('%s is one line naming the source and what to do', async (_, fault, line) => {
  server.faults = [fault];
  const errors = errorsOf(await resolve());
  expect(errors.map((e) => e.split(server.url).join('<server>').split(server.cdnUrl).join('<server>'))).toEqual([line]);
});

test.each([
  ['a 429 with a short Retry-After', { path: /\/pypi\/mlflow\/json$/, status: 429, headers: { 'Retry-After': '1' }, times: 1 }],
  ['one 502', { path: /\/manifests\//, status: 502, times: 1 }],
])('%s is retried once and the upgrade goes on', async (_, fault) => {
  server.faults = [fault];
  expect(errorsOf(await resolve())).toEqual([]);
  expect(server.log.filter((r) => fault.path.test(r.path.split('?')[0])).length).toBeGreaterThanOrEqual(2);
});

test('an index whose bytes do not hash to the announced digest is refused', async () => {
  server.corruptIndex = true;
  const [line] = errorsOf(await resolve());
  expect(line).toMatch(/^container registry: python:3\.11-slim: the index received hashes to sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} the registry announced: the answer was altered or cut short, nothing pinned; run again, or check the mirror$/);
});

test('a silent source and an unreachable one fail within the timeout, each with its own line', async () => {
  server.faults = [{ path: /^\/release\/stable-1\.33\.txt$/, hang: true }];
  const started = Date.now();
  const closed = createServer();
  const port = await new Promise<number>((done) => closed.listen(0, '127.0.0.1', () => done((closed.address() as AddressInfo).port)));
  await new Promise((done) => closed.close(done));
  const errors = errorsOf(await resolve({ PINS_HTTP_TIMEOUT_SECONDS: '1', PINS_PYPI_URL: `http://127.0.0.1:${port}` }));
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(errors).toEqual([
    `Kubernetes releases: no answer from ${server.cdnUrl} within 1 s: check the network, or PINS_KUBERNETES_URL for a mirror`,
    `PyPI: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): check the network, or PINS_PYPI_URL for a mirror`,
  ]);
});

test('a package with no wheel for the image\'s Python and platform names the way to hold it', async () => {
  server.pypi.mlflow = { '3.0.0': [{ filename: 'mlflow-3.0.0.tar.gz', packagetype: 'sdist' }] };
  expect(errorsOf(await resolve())).toEqual([
    'PyPI: \'mlflow\' has no final, unyanked release with a wheel for CPython 3.11 on linux/amd64: declare its version in .projenrc.ts to hold it',
  ]);
});

/** Wheels of the given tags for a release, as PyPI lists them. */
const wheels = (name: string, version: string, ...tags: string[]) =>
  tags.map((tag) => ({ filename: `${name}-${version}-${tag}.whl`, packagetype: 'bdist_wheel' as const, requires_python: '>=3.9' }));

describe('the platforms of the pinned version\'s wheels are recorded per Python of its images', () => {
  /** Resolves one package of the given intent. */
  async function resolveOne(pkg: PinsIntent['pythonPackages'][string]) {
    const one: PinsIntent = { ...intent, actions: {}, baseImages: {}, tools: {}, pythonPackages: { [pkg.name]: pkg } };
    return resolveLock(one, Sources.fromEnv(server.env()));
  }

  test('a release whose wheels differ per Python and platform', async () => {
    server.pypi.mlflow = {
      '9.0.0': [
        ...wheels('mlflow', '9.0.0', 'cp311-cp311-manylinux_2_17_x86_64', 'cp311-cp311-musllinux_1_2_aarch64', 'cp312-cp312-manylinux_2_17_aarch64',
          'cp312-cp312-manylinux_2_17_x86_64', 'cp39-abi3-manylinux2014_armv7l'),
        { filename: 'mlflow-9.0.0.tar.gz', packagetype: 'sdist' },
      ],
    };
    const result = await resolveOne({ name: 'mlflow', pythons: ['3.11', '3.12'], architectures: ['amd64'] });
    expect('lock' in result && result.lock.pythonPackages.mlflow).toEqual({
      version: '9.0.0', wheels: { 3.11: ['linux/amd64', 'linux/arm/v7'], 3.12: ['linux/amd64', 'linux/arm/v7', 'linux/arm64'] },
    });
  });

  test('for an image of amd64 and arm64, the newest release with a wheel for only one of them is passed over', async () => {
    server.pypi.mlflow = {
      '9.0.0': wheels('mlflow', '9.0.0', 'cp311-cp311-manylinux_2_17_x86_64', 'cp311-cp311-manylinux_2_17_aarch64'),
      '9.1.0': wheels('mlflow', '9.1.0', 'cp311-cp311-manylinux_2_17_x86_64'),
    };
    const result = await resolveOne({ name: 'mlflow', pythons: ['3.11'], architectures: ['amd64', 'arm64'] });
    expect('lock' in result && result.lock.pythonPackages.mlflow).toEqual({ version: '9.0.0', wheels: { 3.11: ['linux/amd64', 'linux/arm64'] } });
  });

  test('a declared version is kept as it is, even with a wheel for one platform only: synthesis decides', async () => {
    server.pypi.torch = {
      '2.5.1': wheels('torch', '2.5.1', 'cp311-cp311-manylinux1_x86_64', 'cp311-none-macosx_11_0_arm64'),
      '2.6.0': wheels('torch', '2.6.0', 'cp311-cp311-manylinux1_x86_64', 'cp311-cp311-manylinux_2_28_aarch64'),
    };
    const result = await resolveOne({ name: 'torch', version: '2.5.1', pythons: ['3.11'], architectures: ['amd64', 'arm64'] });
    expect('lock' in result && result.lock.pythonPackages.torch).toEqual({ version: '2.5.1', wheels: { 3.11: ['linux/amd64'] } });
  });

  test('nothing is recorded for a package whose images\' Python is unknown', async () => {
    const result = await resolveOne({ name: 'mlflow', pythons: [], architectures: ['amd64'] });
    expect('lock' in result && Object.keys(result.lock.pythonPackages.mlflow)).toEqual(['version']);
  });

  test('a declared version PyPI does not have is one line saying to fix it', async () => {
    const result = await resolveOne({ name: 'torch', version: '2.5.99', pythons: ['3.11'], architectures: ['amd64'] });
    expect(errorsOf(result)).toEqual(['PyPI: \'torch\' has no release 2.5.99: fix the version .projenrc.ts declares for it']);
  });
});
