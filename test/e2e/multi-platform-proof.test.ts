import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from '../../src/shell/quote';
import { Buildah } from '../support/buildah';
import { git, gitRepo, runScript, writeFiles } from '../support/git-fixture';
import { LIBRARY } from '../support/library';
import { LocalRegistry, startRegistry } from '../support/registry';
import { getManifest } from '../support/registry-api';

/**
 * The proof of issue 18 on this machine, where buildah has no emulation: the
 * fixture Dockerfile has no RUN, so its linux/arm64 image builds on amd64 from
 * COPY alone. Each platform's job is the reusable workflow's platform job with
 * the library's own functions (its fingerprint, `manifest_digest` as the reuse
 * step asks it); only the build stands in for BuildKit (`buildah build
 * --platform`, then a push under the platform's inputs tag). The merge is the
 * merge job's `merge_index`, the promotion the reuse step's `promote_image`.
 */
const REPOSITORY = 'team/edge-tools';
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const DOCKERFILE = 'FROM scratch\nARG TARGETARCH\nCOPY app/${TARGETARCH}/ /app/\nCOPY shared/ /shared/\n';
// What `copiedInputs` would list: the platform's own folder as the COPY names it.
const INPUTS = ['docker/Dockerfile', 'docker/edge.build-args', 'app/${TARGETARCH}', 'shared', '.dockerignore'];

const source = (file: string) => `source ${quote(join(LIBRARY, file))}\n`;

describe('an image of two platforms, built natively per platform and merged into one index, on buildah and a registry on 127.0.0.1', () => {
  let work: string;
  let repo: string;
  let registry: LocalRegistry | undefined;

  /** One platform's job on a runner of its own: a new buildah storage, removed afterwards. */
  function platformJob(platform: string): { outcome: 'built' | 'reused'; digest: string } {
    const buildah = new Buildah(mkdtempSync(join(work, 'runner-')));
    try {
      const run = runScript([
        source('platforms.sh'),
        // The platform job's fingerprint step, then its reuse lookup and a build standing in for BuildKit's.
        'platform_inputs_step >&2',
        'tag=$(sed -n "s/^tag=//p" "$GITHUB_OUTPUT")',
        'if digest=$(manifest_digest "$REGISTRY" "$REPOSITORY" "$tag"); then echo "reused $digest"; exit 0; fi',
        'buildah build --quiet --platform "$IMAGE_PLATFORM" -f docker/Dockerfile -t "localhost/edge:$tag" . >&2',
        'buildah push --quiet --format oci --tls-verify=false "localhost/edge:$tag" "docker://$REGISTRY/$REPOSITORY:$tag" >&2',
        'echo "built $(manifest_digest "$REGISTRY" "$REPOSITORY" "$tag")"',
      ].join('\n'), repo, {
        ...buildah.env, ...fingerprintEnv(), IMAGE_PLATFORM: platform, GITHUB_OUTPUT: emptyFile(), REGISTRY: registry!.host, REPOSITORY,
      });
      if (run.status !== 0) {
        throw new Error(`the ${platform} job failed: ${run.stderr}`);
      }
      const [outcome, digest] = run.stdout.trim().split(' ');
      return { outcome: outcome as 'built' | 'reused', digest };
    } finally {
      rmSync(buildah.root, { recursive: true, force: true });
    }
  }

  /** The index job's fingerprint, then the merge job's merge under the wanted tag. */
  function mergeJob(wantedTag: string): { indexTag: string; platformTags: string[]; digest: string } {
    const output = emptyFile();
    const inputs = runScript(source('platforms.sh') + 'index_inputs_step\n', repo, {
      ...fingerprintEnv(), GITHUB_OUTPUT: output, IMAGE_PLATFORMS: JSON.stringify(PLATFORMS.map((platform) => ({ platform }))),
    });
    expect(inputs.status).toBe(0);
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => l.split('=')));
    const merge = runScript(`${source('platforms.sh')}merge_index "$@"\n`.replace('"$@"', [registry!.host, REPOSITORY, outputs.tag, wantedTag, ...outputs.child_tags.split(' ')].map(quote).join(' ')), repo);
    if (merge.status !== 0) {
      throw new Error(`the merge failed: ${merge.stderr}`);
    }
    return { indexTag: outputs.tag, platformTags: outputs.child_tags.split(' '), digest: merge.stdout.trim() };
  }

  /** The fingerprint steps' environment, as the workflow passes the image's inputs. */
  function fingerprintEnv(): Record<string, string> {
    return { IMAGE_DOCKERFILE: INPUTS[0], IMAGE_BUILD_ARGS_FILE: INPUTS[1], IMAGE_COPIED: INPUTS.slice(2, -1).join('\n'), CONTEXT_IGNORE: INPUTS[INPUTS.length - 1] };
  }

  function emptyFile(): string {
    const file = join(mkdtempSync(join(work, 'output-')), 'output');
    writeFileSync(file, '');
    return file;
  }

  async function children(reference: string): Promise<Record<string, string>> {
    const index = JSON.parse((await getManifest(registry!.host, REPOSITORY, reference)).bytes.toString('utf8'));
    return Object.fromEntries(index.manifests.map((m: any) => [`${m.platform.os}/${m.platform.architecture}`, m.digest]));
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'multi-platform-proof-'));
    registry = await startRegistry(work);
    repo = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'docker/edge.build-args': '# no build arguments\n',
      'app/amd64/tool': 'the amd64 build of the tool\n',
      'app/arm64/tool': 'the arm64 build of the tool\n',
      'shared/config.yaml': 'threads: 4\n',
      '.dockerignore': '',
    });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('builds each platform, merges them, promotes the index with its digest, and rebuilds only the platform whose inputs changed', async () => {
    // GIVEN a first run: each platform's job builds, the merge job writes the index
    const first = Object.fromEntries(PLATFORMS.map((p) => [p, platformJob(p)]));
    expect(Object.values(first).map((j) => j.outcome)).toEqual(['built', 'built']);
    const merged = mergeJob('develop-0000001');
    // THEN the platforms' fingerprints differ, and the index lists each platform's image by digest
    expect(new Set(merged.platformTags).size).toBe(2);
    expect(await children('develop-0000001')).toEqual({ 'linux/amd64': first['linux/amd64'].digest, 'linux/arm64': first['linux/arm64'].digest });
    expect((await getManifest(registry!.host, REPOSITORY, merged.indexTag)).digest).toBe(merged.digest);

    // WHEN a release promotes the index (the reuse step's promote_image)
    const promoted = runScript(`${source('registry.sh')}promote_image ${[registry!.host, REPOSITORY, merged.indexTag, 'v1.0.0'].map(quote).join(' ')}\n`, repo);
    // THEN v1.0.0 is the same index, digest for digest, and finds every child
    expect(promoted.stdout.trim()).toBe(merged.digest);
    expect((await getManifest(registry!.host, REPOSITORY, 'v1.0.0')).digest).toBe(merged.digest);
    for (const digest of Object.values(await children('v1.0.0'))) {
      expect((await getManifest(registry!.host, REPOSITORY, digest)).digest).toBe(digest);
    }

    // WHEN only the arm64 tool changes and the next run starts
    writeFiles(repo, { 'app/arm64/tool': 'the arm64 build of the tool, fixed\n' });
    git(repo, 'commit', '--quiet', '--all', '--message', 'fix the arm64 tool');
    const second = Object.fromEntries(PLATFORMS.map((p) => [p, platformJob(p)]));
    // THEN amd64 reuses its image and only arm64 builds; the new index keeps amd64's digest
    expect(second['linux/amd64']).toEqual({ outcome: 'reused', digest: first['linux/amd64'].digest });
    expect(second['linux/arm64'].outcome).toBe('built');
    expect(second['linux/arm64'].digest).not.toBe(first['linux/arm64'].digest);
    const remerged = mergeJob('develop-0000002');
    expect(remerged.platformTags[0]).toBe(merged.platformTags[0]);
    expect(remerged.platformTags[1]).not.toBe(merged.platformTags[1]);
    expect(remerged.digest).not.toBe(merged.digest);
    expect(await children('develop-0000002')).toEqual({ 'linux/amd64': first['linux/amd64'].digest, 'linux/arm64': second['linux/arm64'].digest });
    // AND the released index is untouched
    expect((await getManifest(registry!.host, REPOSITORY, 'v1.0.0')).digest).toBe(merged.digest);
  }, 300_000);
});
