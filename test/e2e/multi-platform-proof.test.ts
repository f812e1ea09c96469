import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from '../../src/shell/quote';
import { loginStandIn } from '../support/build-proof';
import { Buildah } from '../support/buildah';
import { git, gitRepo, runScript, writeFiles } from '../support/git-fixture';
import { LIBRARY } from '../support/library';
import { LocalRegistry, startRegistry } from '../support/registry';
import { deleteManifest, getManifest } from '../support/registry-api';

/**
 * The proof of issue 18 on this machine, where buildah has no emulation: the
 * fixture Dockerfile has no RUN, so its linux/arm64 image builds on amd64 from
 * COPY alone. Each platform's job is the reusable workflow's platform job with
 * the library's own functions (its fingerprint, `manifest_digest` as the reuse
 * step asks it); only the build stands in for BuildKit (`buildah build
 * --platform`, labelled with the commit as the workflow's build arguments
 * label it, then a push under the platform's inputs tag). The merge is the
 * merge job's `merge_index`, the promotion the index job's `reuse_step`.
 */
const REPOSITORY = 'team/edge-tools';
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const DOCKERFILE = 'FROM scratch\nARG TARGETARCH\nCOPY app/${TARGETARCH}/ /app/\nCOPY shared/ /shared/\n';
// What `copiedInputs` would list: the platform's own folder as the COPY names it.
const INPUTS = ['docker/Dockerfile', 'docker/edge.build-args', 'app/${TARGETARCH}', 'shared', '.dockerignore'];

const REVISION_LABEL = 'org.opencontainers.image.revision';

const source = (file: string) => `source ${quote(join(LIBRARY, file))}\n`;

describe('an image of two platforms, built natively per platform and merged into one index, on buildah and a registry on 127.0.0.1', () => {
  let work: string;
  let repo: string;
  let registry: LocalRegistry | undefined;

  /**
   * One platform's job on a runner of its own: a new buildah storage, removed
   * afterwards. The image's revision label is the commit, or `revision` for a
   * build that was not CI's.
   */
  function platformJob(platform: string, revision?: string): { outcome: 'built' | 'reused'; digest: string } {
    const buildah = new Buildah(mkdtempSync(join(work, 'runner-')));
    try {
      const run = runScript([
        source('platforms.sh'),
        // The platform job's fingerprint step, then its reuse lookup and a build standing in for BuildKit's.
        'platform_inputs_step >&2',
        'tag=$(sed -n "s/^tag=//p" "$GITHUB_OUTPUT")',
        'if digest=$(manifest_digest "$REGISTRY" "$REPOSITORY" "$tag"); then echo "reused $digest"; exit 0; fi',
        `buildah build --quiet --platform "$IMAGE_PLATFORM" --label "${REVISION_LABEL}=\${REVISION:-$(git rev-parse HEAD)}" -f docker/Dockerfile -t "localhost/edge:$tag" . >&2`,
        'buildah push --quiet --format oci --tls-verify=false "localhost/edge:$tag" "docker://$REGISTRY/$REPOSITORY:$tag" >&2',
        'echo "built $(manifest_digest "$REGISTRY" "$REPOSITORY" "$tag")"',
      ].join('\n'), repo, {
        ...buildah.env,
        ...fingerprintEnv(),
        IMAGE_PLATFORM: platform,
        GITHUB_OUTPUT: emptyFile(),
        REGISTRY: registry!.host,
        REPOSITORY,
        ...(revision ? { REVISION: revision } : {}),
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

  /** The index job's reuse step against the index's inputs tag, for the wanted tag; returns its log and outputs. */
  function reuseJob(indexTag: string, wantedTag: string): { log: string; outputs: Record<string, string> } {
    const output = emptyFile();
    const run = runScript(`${source('ecr.sh')}reuse_step\n`, repo, {
      PATH: loginStandIn(mkdtempSync(join(work, 'aws-'))),
      GITHUB_OUTPUT: output,
      IMAGE_TAG: wantedTag,
      INPUTS_TAG: indexTag,
      REBUILD: 'false',
      ECR_REGISTRY: registry!.host,
      ECR_REPOSITORY: REPOSITORY,
      ECR_REGION: 'eu-central-1',
    });
    if (run.status !== 0 || run.stderr !== '') {
      throw new Error(`the reuse step failed: ${run.stderr}`);
    }
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').filter((l) => l).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    return { log: run.stdout, outputs };
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
    registry = await startRegistry(work, { deletes: true });
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

  test('builds each platform, merges them, promotes the index with its digest, rebuilds only the platform whose inputs changed, and never promotes an index with a platform\'s image CI did not build or the repository lacks', async () => {
    // GIVEN a first run: each platform's job builds, the merge job writes the index
    const first = Object.fromEntries(PLATFORMS.map((p) => [p, platformJob(p)]));
    expect(Object.values(first).map((j) => j.outcome)).toEqual(['built', 'built']);
    const merged = mergeJob('develop-0000001');
    // THEN the platforms' fingerprints differ, and the index lists each platform's image by digest
    expect(new Set(merged.platformTags).size).toBe(2);
    expect(await children('develop-0000001')).toEqual({ 'linux/amd64': first['linux/amd64'].digest, 'linux/arm64': first['linux/arm64'].digest });
    expect((await getManifest(registry!.host, REPOSITORY, merged.indexTag)).digest).toBe(merged.digest);

    // WHEN a release of the same inputs runs the index job's reuse step against the index's inputs tag
    const release = reuseJob(merged.indexTag, 'v1.0.0');
    // THEN it promoted the index: v1.0.0 is the same index, digest for digest, built from this commit,
    // and it found every platform's image, each of which the registry serves
    const commit = git(repo, 'rev-parse', 'HEAD').trim();
    expect(release.outputs).toEqual({
      promoted: 'true',
      digest: merged.digest,
      built_from: commit,
      children: `linux/amd64@${first['linux/amd64'].digest} linux/arm64@${first['linux/arm64'].digest}`,
    });
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

    // WHEN the arm64 tool changes again and its image under the new inputs tag comes from a laptop's uncommitted files
    writeFiles(repo, { 'app/arm64/tool': 'the arm64 build of the tool, fixed twice\n' });
    git(repo, 'commit', '--quiet', '--all', '--message', 'fix the arm64 tool again');
    const dirty = `${git(repo, 'rev-parse', 'HEAD').trim()}-dirty`;
    expect(platformJob('linux/amd64').outcome).toBe('reused');
    const laptop = platformJob('linux/arm64', dirty);
    const third = mergeJob('develop-0000003');
    // THEN a release of those inputs does not promote that index: it builds, saying which platform's label is no commit
    const refused = reuseJob(third.indexTag, 'v1.1.0');
    expect(refused.outputs).toEqual({});
    expect(refused.log).toContain(`Not promoting ${third.indexTag} (${third.digest}): the ${REVISION_LABEL} label of its linux/arm64 image ${laptop.digest}, ${dirty}, is not a commit CI built (40 hex digits): building`);
    await expect(getManifest(registry!.host, REPOSITORY, 'v1.1.0')).rejects.toThrow(/answered 404/);

    // WHEN the amd64 image that the second index lists is deleted from the repository
    await deleteManifest(registry!.host, REPOSITORY, first['linux/amd64'].digest);
    // THEN a release of the second run's inputs does not promote its index: it builds, naming the missing platform
    const missing = reuseJob(remerged.indexTag, 'v1.2.0');
    expect(missing.outputs).toEqual({});
    expect(missing.log).toContain(`Not promoting ${remerged.indexTag} (${remerged.digest}): its linux/amd64 image ${first['linux/amd64'].digest} is not in ${REPOSITORY}: building`);
    await expect(getManifest(registry!.host, REPOSITORY, 'v1.2.0')).rejects.toThrow(/answered 404/);
  }, 300_000);
});
