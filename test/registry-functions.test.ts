import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, ScriptRun } from './support/git-fixture';
import { libraryCall } from './support/library';
import { LocalRegistry, startRegistry, TEST_LOGIN } from './support/registry';
import { getManifest, putBlob, putManifest, sha256 } from './support/registry-api';
import { registryRequests } from './support/registry-log';
import { quote } from '../src/shell/quote';

const REPOSITORY = 'team/promote-me';

/** Runs one registry function under bash, as a workflow step would. */
function call(cwd: string, fn: string, args: readonly string[], env: Record<string, string> = {}): ScriptRun {
  return runScript(libraryCall('registry.sh', fn, args), cwd, env);
}

interface Pushed {
  readonly tag: string;
  readonly bytes: string;
  readonly mediaType: string;
}

/**
 * One image in each manifest format, written with whitespace, key order and a
 * trailing newline no serializer would reproduce, so only a byte-for-byte
 * copy keeps the digest.
 */
async function pushImages(host: string, repository: string): Promise<Record<string, Pushed>> {
  const configBytes = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
  const layerBytes = randomBytes(2048);
  const config = await putBlob(host, repository, configBytes);
  const layer = await putBlob(host, repository, layerBytes);
  const image = (mediaType: string, configType: string, layerType: string) =>
    `{\n\t"schemaVersion":   2,\n\t"mediaType": "${mediaType}",\n\t"layers": [ { "digest": "${layer}", "size": ${layerBytes.length}, "mediaType": "${layerType}" } ],\n\t"config": {"mediaType": "${configType}", "size": ${configBytes.length}, "digest": "${config}"}\n}\n`;
  const index = (mediaType: string, entry: Pushed) =>
    `{"schemaVersion":2,"mediaType":"${mediaType}","manifests":[{"mediaType":"${entry.mediaType}","size":${Buffer.byteLength(entry.bytes)},"digest":"${sha256(entry.bytes)}","platform":{"os":"linux","architecture":"amd64"}}]}`;
  const pushed: Record<string, Pushed> = {};
  const push = async (name: string, tag: string, mediaType: string, bytes: string) => {
    await putManifest(host, repository, tag, bytes, mediaType);
    pushed[name] = { tag, bytes, mediaType };
  };
  await push('OCI image manifest', 'oci', 'application/vnd.oci.image.manifest.v1+json',
    image('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip'));
  await push('Docker image manifest v2', 'docker', 'application/vnd.docker.distribution.manifest.v2+json',
    image('application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar.gzip'));
  await push('OCI image index', 'oci-index', 'application/vnd.oci.image.index.v1+json',
    index('application/vnd.oci.image.index.v1+json', pushed['OCI image manifest']));
  await push('Docker manifest list', 'docker-list', 'application/vnd.docker.distribution.manifest.list.v2+json',
    index('application/vnd.docker.distribution.manifest.list.v2+json', pushed['Docker image manifest v2']));
  return pushed;
}


describe('promote_image against a docker-registry on 127.0.0.1', () => {
  let work: string;
  let registry: LocalRegistry | undefined;
  let images: Record<string, Pushed>;
  const requestsDuring = (action: () => ScriptRun) => {
    const mark = registry!.log().length;
    const run = action();
    return { run, requests: registryRequests(registry!.log().slice(mark)) };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'promote-'));
    registry = await startRegistry(work, { logRequests: true });
    images = await pushImages(registry.host, REPOSITORY);
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test.each(['OCI image manifest', 'Docker image manifest v2', 'OCI image index', 'Docker manifest list'])(
    'copies an %s byte for byte, so the new tag has the same digest', async (name) => {
      // GIVEN an image in that format under a tag
      const source = images[name];
      const target = `promoted-${source.tag}`;
      // WHEN it is promoted to a new tag
      const run = call(work, 'promote_image', [registry!.host, REPOSITORY, source.tag, target]);
      // THEN the step prints the digest, and the registry serves the same bytes and media type under the new tag
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${sha256(source.bytes)}\n`);
      const served = await getManifest(registry!.host, REPOSITORY, target);
      expect(served.bytes.toString('utf8')).toBe(source.bytes);
      expect(served.mediaType).toBe(source.mediaType);
      expect(served.headerDigest).toBe(sha256(source.bytes));
    });

  test('onto a tag that already has the digest, succeeds without a single write', () => {
    // GIVEN a tag promoted before
    const source = images['OCI image manifest'];
    call(work, 'promote_image', [registry!.host, REPOSITORY, source.tag, 'again']);
    // WHEN the same promotion runs again
    const { run, requests } = requestsDuring(() => call(work, 'promote_image', [registry!.host, REPOSITORY, source.tag, 'again']));
    // THEN it succeeds with the digest and only read the registry
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${sha256(source.bytes)}\n`);
    expect(requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  test('moves a mutable tag that pointed elsewhere', async () => {
    // GIVEN a tag on the Docker image
    call(work, 'promote_image', [registry!.host, REPOSITORY, images['Docker image manifest v2'].tag, 'moving']);
    // WHEN the OCI image is promoted to it
    const run = call(work, 'promote_image', [registry!.host, REPOSITORY, images['OCI image manifest'].tag, 'moving']);
    // THEN the tag now serves the OCI image
    expect(run.status).toBe(0);
    expect((await getManifest(registry!.host, REPOSITORY, 'moving')).bytes.toString('utf8')).toBe(images['OCI image manifest'].bytes);
  });

  test('fails with one line when the source tag does not exist, and writes nothing', () => {
    const { run, requests } = requestsDuring(() => call(work, 'promote_image', [registry!.host, REPOSITORY, 'inputs-0000000000000000', 'latest']));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toBe(`::error title=Registry::${registry!.host}/${REPOSITORY}:inputs-0000000000000000 does not exist: there is no image to promote\n`);
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  test.each<[string, string[], string]>([
    ['a tag with command substitution', ['REGISTRY', REPOSITORY, 'oci', '$(touch pwned)'], '\\$\\(touch\\ pwned\\) is not a valid Docker tag'],
    ['a tag with a newline and a workflow command', ['REGISTRY', REPOSITORY, 'oci', 'v1\n::set-output name=x::y'], '$\'v1\\n::set-output name=x::y\' is not a valid Docker tag'],
    ['a repository with upper-case letters', ['REGISTRY', 'Team/Repo', 'oci', 'latest'], 'repository Team/Repo is not a repository name'],
    ['a repository climbing out of the API path', ['REGISTRY', '../v2/other', 'oci', 'latest'], 'repository ../v2/other is not a repository name'],
    ['a registry with a path', ['REGISTRY/evil', REPOSITORY, 'oci', 'latest'], 'registry REGISTRY/evil is not a host such as 127.0.0.1:5000'],
  ])('rejects %s before any request', (_what, args, message) => {
    const resolved = args.map((a) => a.replace('REGISTRY', registry!.host));
    const { run, requests } = requestsDuring(() => call(work, 'promote_image', resolved));
    expect(run.status).not.toBe(0);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`::error title=Registry::${message.replace('REGISTRY', registry!.host)}`);
    expect(requests).toEqual([]);
  });

  test('manifest_digest tells a present tag (0, its digest) from a missing one (1, silent)', () => {
    const present = call(work, 'manifest_digest', [registry!.host, REPOSITORY, 'oci']);
    const missing = call(work, 'manifest_digest', [registry!.host, REPOSITORY, 'inputs-0000000000000000']);
    expect([present.status, present.stdout, present.stderr]).toEqual([0, `${sha256(images['OCI image manifest'].bytes)}\n`, '']);
    expect([missing.status, missing.stdout, missing.stderr]).toEqual([1, '', '']);
  });

  test('manifest_digest fails (2) with one line when the registry cannot be reached', async () => {
    // GIVEN a registry that has stopped
    const gone = await startRegistry(mkdtempSync(join(work, 'gone-')));
    await gone.stop();
    // WHEN asked for a tag
    const run = call(work, 'manifest_digest', [gone.host, REPOSITORY, 'latest']);
    // THEN it says it cannot reach it, distinct from "no such tag"
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^::error title=Registry::cannot reach ${gone.host}: curl: \\(7\\) .*\\n$`));
  });
});

describe('image_revision against a docker-registry on 127.0.0.1', () => {
  let work: string;
  let registry: LocalRegistry | undefined;
  let labelled: string;
  const revision = 'c0ffee0000000000000000000000000000000042';

  beforeAll(async () => {
    // GIVEN an image whose configuration carries the revision label, an image without it, and an index
    work = mkdtempSync(join(tmpdir(), 'revision-'));
    registry = await startRegistry(work);
    await pushImages(registry.host, REPOSITORY);
    const configText = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: { Labels: { 'org.opencontainers.image.revision': revision, 'org.opencontainers.image.version': 'v1' } },
    });
    const config = await putBlob(registry.host, REPOSITORY, configText);
    labelled = await putManifest(registry.host, REPOSITORY, 'labelled', JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: Buffer.byteLength(configText) },
      layers: [],
    }), 'application/vnd.oci.image.manifest.v1+json');
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test.each([['a tag', 'labelled'], ['a digest', () => labelled]])('reads the commit an image was built from, by %s', (_by, reference) => {
    const run = call(work, 'image_revision', [registry!.host, REPOSITORY, typeof reference === 'string' ? reference : reference()]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${revision}\n`);
  });

  test.each([['an image without the label', 'oci'], ['an index, which has no single configuration', 'oci-index']])('prints nothing for %s', (_what, tag) => {
    const run = call(work, 'image_revision', [registry!.host, REPOSITORY, tag]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
  });

  test('a tag the registry does not have is an error of one line, status 2', () => {
    const run = call(work, 'image_revision', [registry!.host, REPOSITORY, 'no-such-tag']);
    expect(run.status).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^::error title=Registry::reading 127\.0\.0\.1:\d+\/team\/promote-me:no-such-tag failed: HTTP 404/)]);
  });
});

describe('promote_image against a registry that refuses to move a tag', () => {
  let work: string;
  let registry: LocalRegistry | undefined;
  let images: Record<string, Pushed>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'promote-refused-'));
    // GIVEN two images, one promoted to `release`, then the registry restarted read-only: it refuses every write
    const writable = await startRegistry(work);
    images = await pushImages(writable.host, REPOSITORY);
    await putManifest(writable.host, REPOSITORY, 'release', images['OCI image manifest'].bytes, images['OCI image manifest'].mediaType);
    await writable.stop();
    registry = await startRegistry(work, { readOnly: true, logRequests: true });
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('fails with one line naming both digests and the registry\'s error, and leaves the tag where it was', async () => {
    // WHEN another image is promoted onto `release`
    const run = call(work, 'promote_image', [registry!.host, REPOSITORY, 'docker', 'release']);
    // THEN the write is refused and the message says which image is where
    const wanted = sha256(images['Docker image manifest v2'].bytes);
    const current = sha256(images['OCI image manifest'].bytes);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`::error title=Registry::cannot tag ${registry!.host}/${REPOSITORY}:docker (${wanted}) as release: HTTP 405 Method not allowed; release points to ${current}, and an immutable tag cannot move\n`);
    expect((await getManifest(registry!.host, REPOSITORY, 'release')).digest).toBe(current);
  });

  test('succeeds onto a tag that already has the digest: nothing needs writing', () => {
    const run = call(work, 'promote_image', [registry!.host, REPOSITORY, 'oci', 'release']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${sha256(images['OCI image manifest'].bytes)}\n`);
  });
});

describe('the registry functions with credentials, as against ECR after aws ecr get-login-password', () => {
  let work: string;
  let bin: string;
  let recorded: string;
  let registry: LocalRegistry | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'promote-auth-'));
    bin = join(work, 'bin');
    recorded = join(work, 'curl-calls');
    // GIVEN a registry that requires Basic authentication, with one image pushed
    mkdirSync(join(work, 'registry'));
    const open = await startRegistry(join(work, 'registry'));
    await pushImages(open.host, REPOSITORY);
    await open.stop();
    registry = await startRegistry(join(work, 'registry'), { htpasswd: TEST_LOGIN.htpasswd });
    // AND, first on PATH, a curl that records its arguments and any config it is given, then runs the real one
    mkdirSync(bin);
    writeFileSync(join(bin, 'curl'), [
      '#!/usr/bin/env bash',
      'args=()',
      'while (( $# )); do',
      '  if [[ "$1" == --config ]]; then',
      '    config=$(mktemp); cat "$2" > "$config"; { echo "config:"; cat "$config"; } >> "$CURL_CALLS"; args+=(--config "$config"); shift 2',
      '  else',
      '    args+=("$1"); shift',
      '  fi',
      'done',
      'echo "argv: ${args[*]}" >> "$CURL_CALLS"',
      `exec ${quote(execFileSync('bash', ['-c', 'command -v curl']).toString().trim())} "\${args[@]}"`,
      '',
    ].join('\n'));
    chmodSync(join(bin, 'curl'), 0o755);
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  const withCurlRecorder = (env: Record<string, string>) => ({ PATH: `${bin}:${process.env.PATH}`, CURL_CALLS: recorded, ...env });

  test('log in with REGISTRY_USERNAME and REGISTRY_PASSWORD, which never appear on curl\'s command line', () => {
    // WHEN an image is promoted with the credentials in the environment
    rmSync(recorded, { force: true });
    const password = TEST_LOGIN.password;
    const run = call(work, 'promote_image', [registry!.host, REPOSITORY, 'oci', 'with-login'],
      withCurlRecorder({ REGISTRY_USERNAME: 'AWS', REGISTRY_PASSWORD: password }));
    // THEN the registry accepted them, curl read them from its config, and no command line held the password
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = readFileSync(recorded, 'utf8');
    expect(calls).toContain(`config:\nuser = "AWS:${password}"\n`);
    expect(calls.split('\n').filter((l) => l.startsWith('argv: ')).length).toBeGreaterThanOrEqual(4);
    expect(calls.split('\n').filter((l) => l.startsWith('argv: ') && l.includes(password))).toEqual([]);
  });

  test('a password with quotes and backslashes reaches curl intact', () => {
    rmSync(recorded, { force: true });
    call(work, 'manifest_digest', [registry!.host, REPOSITORY, 'oci'], withCurlRecorder({ REGISTRY_USERNAME: 'AWS', REGISTRY_PASSWORD: 'a"b\\c' }));
    expect(readFileSync(recorded, 'utf8')).toContain('user = "AWS:a\\"b\\\\c"\n');
  });

  test('without credentials, says the registry refused access and how to log in', () => {
    const run = call(work, 'manifest_digest', [registry!.host, REPOSITORY, 'oci']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`::error title=Registry::${registry!.host} refused access to ${REPOSITORY} (HTTP 401): log in first with REGISTRY_USERNAME and REGISTRY_PASSWORD (for ECR: AWS and the output of aws ecr get-login-password)\n`);
  });
});

describe('the registry functions', () => {
  test('report a refusal in the registry\'s own words, as ECR words an immutable tag', () => {
    // GIVEN the error body ECR's registry API sends for a tag it will not move
    const dir = mkdtempSync(join(tmpdir(), 'registry-error-'));
    const body = '{"errors":[{"code":"TAG_INVALID","message":"The image tag \'latest\' already exists in the \'triton-training-tools\' repository and cannot be overwritten because the tag is immutable."}]}\n';
    writeFileSync(join(dir, 'response'), body);
    writeFileSync(join(dir, 'text'), 'Method not allowed\r\n');
    // WHEN the text of each refusal is extracted
    const json = call(dir, 'registry_error_text', ['response']);
    const text = call(dir, 'registry_error_text', ['text']);
    rmSync(dir, { recursive: true, force: true });
    // THEN each is one line: the code and message, or the plain text
    expect(json.stdout).toBe(' TAG_INVALID: The image tag \'latest\' already exists in the \'triton-training-tools\' repository and cannot be overwritten because the tag is immutable.');
    expect(text.stdout).toBe(' Method not allowed');
  });
});
