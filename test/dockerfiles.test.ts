import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ImageKind, Pipeline, PythonPackage, ScriptCopy, Tool } from '../src';
import { Instruction, lintDockerfile, parseDockerfile, readRepoFile } from './support/dockerfile';
import { fixtureCheckout, fixtureImages, newFixturePlatform } from './support/fixture-images';
import { ciBuildArgs } from './support/image-job';
import { ownPlatform } from './support/own-declaration';
import { synth } from './support/project';
import { shellcheck } from './support/shellcheck';
import { REPO_ROOT } from './support/workflows';
import { AWS_CLI_SIGNING_KEY } from '../src/declaration/aws-cli-signing-key';
import { copiedPaths, declaredArgs } from '../src/docker/dockerfile-args';

const AWS_CLI_KEY_FINGERPRINT = AWS_CLI_SIGNING_KEY.fingerprint;

const FIXTURE = fixtureImages();
/** The fixture's base image, as its own lock pins it. */
const BASE_IMAGE = `python:3.12-slim@sha256:${'1a'.repeat(32)}`;

/** What the fixture declares (test/support/fixture-images.ts), as its generated Dockerfile must show it. */
const IMAGES = [
  {
    dockerfile: 'docker/fixture/Dockerfile.training',
    buildArgs: 'docker/fixture/fixture-training.build-args',
    workflow: 'fixture-build-training-image.yaml',
    repository: 'fixture-training',
    system: ['git', 'libgomp1'],
    heavy: ['torch', 'torchaudio'],
    // torch at the fixture lock's version, torchaudio at the declared one.
    pins: ['TORCH_VERSION=2.4.1', 'TORCHAUDIO_VERSION=2.4.1'],
    python: ['numpy', 'pyyaml', 'scikit-learn'],
    pythonPins: ['NUMPY_VERSION=1.26.4', 'PYYAML_VERSION=6.0.1', 'SCIKIT_LEARN_VERSION=1.5.2'],
    // pyyaml is imported by its declared import name, scikit-learn by its module's.
    imports: 'torch, torchaudio, numpy, yaml, sklearn',
    tools: ['AWS_CLI_VERSION'],
    scripts: [['training/fixture/', '/scripts/']],
  },
  {
    dockerfile: 'docker/fixture/Dockerfile.deployment',
    buildArgs: 'docker/fixture/fixture-deployment.build-args',
    workflow: 'fixture-build-deployment-image.yaml',
    repository: 'fixture-deployment',
    system: ['curl', 'jq'],
    heavy: [],
    pins: [],
    python: ['fastapi', 'boto3'],
    pythonPins: ['FASTAPI_VERSION=0.115.6', 'BOTO3_VERSION=1.35.90'],
    imports: 'fastapi, boto3',
    tools: ['AWS_CLI_VERSION', 'KUBECTL_VERSION'],
    scripts: [['deployment/fixture/', '/scripts/'], ['evaluation/fixture/', '/eval-scripts/'], ['benchmarks/fixture/', '/bench-scripts/']],
  },
];

const PIP = 'python -m pip install --no-cache-dir --disable-pip-version-check ';
const APT = /^apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends (.+?) && rm -rf \/var\/lib\/apt\/lists\/\*$/;

/** The distribution names a pip layer installs: `"torch==${TORCH_VERSION}"` is torch. */
const pipNames = (args: string) => args.slice(PIP.length).split(' ').map((r) => r.replace(/^"|"$/g, '').split('==')[0]);

/** The shell-form RUN scripts, on one line each (exec-form RUNs run no shell). */
const runs = (instructions: Instruction[]) => instructions.filter((i) => i.keyword === 'RUN' && !i.args.startsWith('['))
  .map((i) => i.args.replace(/\s+/g, ' '));

/** What each instruction of the image adds, as a short name. */
function layerKinds(instructions: Instruction[], heavy: readonly string[]): string[] {
  return instructions.map((i) => {
    const args = i.args.replace(/\s+/g, ' ');
    if (i.keyword === 'RUN' && APT.test(args)) return 'system packages';
    if (i.keyword === 'RUN' && args.startsWith(PIP)) return heavy.includes(pipNames(args)[0]) ? 'heavy python' : 'python';
    if (i.keyword === 'ARG' && /^[A-Z0-9_]+_VERSION=/.test(i.args)) return 'version pin';
    if (i.keyword === 'ARG' && i.args.startsWith('PIP_INDEX_URL=')) return 'package index';
    if (i.keyword === 'COPY' && i.flags.includes('--from=tools')) return 'tools';
    if (i.keyword === 'ENV') return 'env';
    if (i.keyword === 'WORKDIR') return 'workdir';
    if (i.keyword === 'COPY') return 'scripts';
    if (i.keyword === 'ARG' && i.args.startsWith('IMAGE_')) return 'provenance';
    if (i.keyword === 'LABEL') return 'labels';
    return `${i.keyword} ${args}`;
  }).filter((kind, n, all) => kind !== all[n - 1]);
}

describe.each(IMAGES)('the fixture\'s generated $dockerfile', (image) => {
  const text: string = FIXTURE.files[image.dockerfile];
  const parsed = parseDockerfile(text);
  const stage = (from: string) => parsed.stages.find((s) => s[0].args === from)!;
  const python = stage('${BASE_IMAGE} AS python');
  const final = parsed.stages[parsed.stages.length - 1];
  // What the image is built from: the Python stage, then the final stage on top of it.
  const imageInstructions = [...python.slice(1), ...final.slice(1)];

  test('parses, lints clean and carries projen\'s marker', () => {
    // GIVEN the generated Dockerfile, parsed by dockerfile-ast and checked by dockerfile-utils
    // THEN it has no diagnostics, starts from the base image argument and says it is generated (the fixture's projenrc is .js)
    expect(lintDockerfile(text)).toEqual([]);
    expect(text).toMatch(/^# ~~ Generated by projen\. To modify, edit \.projenrc\.js and run "npx projen"\./);
    expect(parsed.prelude).toEqual([{ keyword: 'ARG', args: `BASE_IMAGE=${BASE_IMAGE}`, flags: [] }]);
    expect(parsed.stages.map((s) => s[0].args)).toEqual(['${BASE_IMAGE} AS tools', '${BASE_IMAGE} AS python', 'python AS smoke-test', 'python']);
  });

  test('installs its layers from least to most volatile, scripts last, and nothing after them makes a layer', () => {
    expect(layerKinds(imageInstructions, image.heavy)).toEqual([
      'system packages',
      // Where pip downloads from, before every pip layer; a local build behind a mirror replaces it.
      'package index',
      ...(image.pins.length > 0 ? ['version pin'] : []),
      ...(image.heavy.length > 0 ? ['heavy python'] : []),
      // The light packages' pins come after the heavy layer: bumping one never rebuilds torch.
      'version pin', 'python', 'tools', 'env', 'workdir', 'scripts', 'provenance', 'labels',
    ]);
    const afterScripts = final.slice(final.map((i) => i.keyword).lastIndexOf('COPY') + 1);
    expect(afterScripts.filter((i) => !['ARG', 'LABEL', 'ENV'].includes(i.keyword))).toEqual([]);
  });

  test('copies the tools and the scripts with --link: layers that need no earlier layer\'s content', () => {
    expect(final.filter((i) => i.keyword === 'COPY').map((i) => i.flags[0])).toEqual(['--link', ...image.scripts.map(() => '--link')]);
  });

  test('smoke-tests the Python environment the image is built on, in a stage no image is built from', () => {
    // GIVEN the smoke-test stage
    const smoke = stage('python AS smoke-test');
    // THEN it imports every Python dependency on the very stage the image starts from, and nothing builds on it
    expect(smoke.slice(1)).toEqual([{ keyword: 'RUN', args: JSON.stringify(['python', '-c', `import ${image.imports}`]).replace(/","/g, '", "'), flags: [] }]);
    expect(final[0].args).toBe('python');
    expect(parsed.all.filter((i) => /smoke-test/.test(i.args) && !(i.keyword === 'FROM' && i === smoke[0]))).toEqual([]);
  });

  test('installs exactly the declared system and Python packages', () => {
    const finalRuns = runs(imageInstructions);
    expect(finalRuns[0].match(APT)?.[1].split(' ')).toEqual(image.system);
    const pipLayers = finalRuns.filter((r) => r.startsWith(PIP));
    expect(pipLayers.map(pipNames)).toEqual([...(image.heavy.length > 0 ? [image.heavy] : []), image.python]);
    // Every package installs the version its build argument names.
    for (const name of [...image.heavy, ...image.python]) {
      expect(pipLayers.join(' ')).toContain(`"${name}==\${${name.toUpperCase().replace(/-/g, '_')}_VERSION}"`);
    }
  });

  test('uses apt without recommends, removing its lists in the same RUN, and pip without a cache', () => {
    const all = runs(parsed.all);
    const apt = all.filter((r) => r.includes('apt-get'));
    expect(apt).toHaveLength(2);
    apt.forEach((r) => expect(r).toMatch(APT));
    all.filter((r) => r.includes('pip')).forEach((r) => expect(r.startsWith(PIP)).toBe(true));
  });

  test('pins each tool\'s version and download server by build arguments and verifies the download before installing it', () => {
    const tools = parsed.stages[0];
    const args = tools.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]);
    expect(args).toEqual(image.tools.flatMap((t) => [t, t.replace(/_VERSION$/, '_MIRROR')]));
    const toolRuns = runs(tools).slice(1);
    const aws = toolRuns[0];
    expect(aws).toContain('"${AWS_CLI_MIRROR}/awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip"');
    expect(aws.indexOf('gpg --batch --status-fd 1 --verify awscliv2.zip.sig awscliv2.zip')).toBeLessThan(aws.indexOf('./aws/install'));
    expect(aws).toContain(`VALIDSIG .* ${AWS_CLI_KEY_FINGERPRINT}$`);
    // The key comes from the build context, never from a key server.
    expect(aws).not.toMatch(/keyserver|pks\/lookup/);
    expect(tools.filter((i) => i.keyword === 'COPY')).toEqual([{
      keyword: 'COPY',
      args: `docker/keys/${AWS_CLI_KEY_FINGERPRINT}.asc /opt/tool-keys/${AWS_CLI_KEY_FINGERPRINT}.asc`,
      flags: [],
    }]);
    if (image.tools.includes('KUBECTL_VERSION')) {
      const kubectl = toolRuns[1];
      expect(kubectl).toContain('"${KUBECTL_MIRROR}/release/v${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"');
      // The checksum is the pinned one, not one from the download server.
      expect(kubectl).not.toContain('kubectl.sha256');
      expect(kubectl).toContain(`x86_64) arch=amd64 sha256=${'a1'.repeat(32)} ;;`);
      expect(kubectl.indexOf('sha256sum --check --strict')).toBeLessThan(kubectl.indexOf('install -D'));
    }
    // Every download is bounded in time.
    for (const download of toolRuns.join('; ').match(/curl [^;]*/g) ?? []) {
      expect(download).toMatch(/--connect-timeout \d+ --max-time \d+/);
    }
    expect(text).not.toMatch(/\|\s*(ba)?sh\b/);
    expect(final.filter((i) => i.keyword === 'COPY' && i.flags.includes('--from=tools'))).toEqual([
      { keyword: 'COPY', args: '/opt/tools/ /opt/tools/', flags: ['--link', '--from=tools'] },
    ]);
  });

  test('every RUN passes shellcheck as /bin/sh', () => {
    for (const script of runs(parsed.all)) {
      const result = shellcheck(script, 'sh');
      expect(result.output).toBe('');
    }
  });

  test('copies each declared script folder to its destination', () => {
    const copies = final.filter((i) => i.keyword === 'COPY' && !i.flags.some((f) => f.startsWith('--from'))).map((i) => i.args.split(' '));
    expect(copies).toEqual(image.scripts);
  });

  test('declares an ARG for exactly the build arguments the workflow passes, whose fixed values the build-args file lists', () => {
    // GIVEN the workflow's build step, its fingerprint step run in a checkout of the fixture, and the generated build arguments file
    const checkout = fixtureCheckout();
    let ciArgs: string[];
    try {
      ciArgs = ciBuildArgs(image.workflow, FIXTURE.files, checkout);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
    const fileArgs = String(FIXTURE.files[image.buildArgs]).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // THEN the Dockerfile declares each passed name, the file holds the workflow's fixed values, and the rest are provenance
    expect([...declaredArgs(text)].sort()).toEqual(ciArgs.map((l) => l.split('=')[0]).sort());
    expect(ciArgs.slice(0, fileArgs.length)).toEqual(fileArgs);
    expect(ciArgs.slice(fileArgs.length).map((l) => l.split('=')[0])).toEqual(['IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED']);
    expect(fileArgs).toEqual([
      `BASE_IMAGE=${BASE_IMAGE}`, 'PIP_INDEX_URL=https://pypi.org/simple', ...image.pins, ...image.pythonPins,
      'AWS_CLI_VERSION=2.22.35', 'AWS_CLI_MIRROR=https://awscli.amazonaws.com',
      ...(image.tools.includes('KUBECTL_VERSION') ? ['KUBECTL_VERSION=1.31.4', 'KUBECTL_MIRROR=https://dl.k8s.io'] : []),
    ]);
  });

  test('labels the image with the OCI keys, from the provenance build arguments declared last', () => {
    const label = final[final.length - 1];
    expect(label.keyword).toBe('LABEL');
    expect(label.args.split(/\s+/)).toEqual([
      `org.opencontainers.image.title="${image.repository}"`,
      'org.opencontainers.image.source="${IMAGE_SOURCE}"',
      'org.opencontainers.image.revision="${IMAGE_REVISION}"',
      'org.opencontainers.image.created="${IMAGE_CREATED}"',
    ]);
  });
});

test('the fixture\'s training Dockerfile is stable (snapshot of the whole file)', () => {
  // A reviewed change of the generated output updates it: npx jest -u test/dockerfiles.test.ts
  expect(FIXTURE.files['docker/fixture/Dockerfile.training']).toMatchSnapshot();
});

describe('Dockerfiles of other declarations', () => {
  test('every Python package arrives pinned, as a build argument declared just before its layer: the declared version, else the lock\'s', () => {
    // GIVEN an image with a heavy package and a light one declared at versions other than the fixture lock's (2.4.1, 1.5.2), and a package the lock pins
    const { project, platform } = newFixturePlatform();
    platform.addImage({
      pipeline: Pipeline.of('demo'),
      kind: ImageKind.TRAINING,
      repository: 'demo-training',
      heavyPythonPackages: [PythonPackage.of('torch', { version: '2.3.0' })],
      pythonPackages: ['numpy', PythonPackage.of('scikit-learn', { version: '1.4.0' })],
    });
    // WHEN it is synthesized
    const final = parseDockerfile(synth(project)['docker/demo/Dockerfile.training']).stages[1];
    // THEN each pin is an ARG with its version as default, right before the pip layer that uses it
    const at = (prefix: string) => final.findIndex((i) => i.args.startsWith(prefix));
    expect(final[at('TORCH_VERSION=') + 1].args).toBe(`${PIP}"torch==\${TORCH_VERSION}"`);
    expect(final[at('SCIKIT_LEARN_VERSION=') + 1].args).toBe(`${PIP}"numpy==\${NUMPY_VERSION}" "scikit-learn==\${SCIKIT_LEARN_VERSION}"`);
    expect(final[at('TORCH_VERSION=')].args).toBe('TORCH_VERSION=2.3.0');
    expect(final[at('NUMPY_VERSION=')].args).toBe('NUMPY_VERSION=1.26.4');
    expect(final[at('SCIKIT_LEARN_VERSION=')].args).toBe('SCIKIT_LEARN_VERSION=1.4.0');
  });

  test('an image without system packages, Python packages or tools has no stage or layer for them', () => {
    // GIVEN a bare image with env and a custom workdir
    const { project, platform } = newFixturePlatform();
    platform.addImage({
      pipeline: Pipeline.of('bare'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'bare-tools',
      tools: [],
      dockerfile: 'images/bare/Dockerfile',
      env: { GREETING: 'say "hi" to $USER' },
      workdir: '/work',
      scripts: [ScriptCopy.of('deployment/bare', '/opt/bare')],
    });
    // WHEN it is synthesized at the path it names
    const text = synth(project)['images/bare/Dockerfile'];
    const parsed = parseDockerfile(text);
    // THEN only the base, env, a smoke test that the interpreter starts, workdir, scripts and labels
    // remain, and the env value is escaped
    expect(lintDockerfile(text)).toEqual([]);
    expect(parsed.stages.map((s) => s.map((i) => i.keyword))).toEqual([
      ['FROM', 'ENV'],
      ['FROM', 'RUN'],
      ['FROM', 'WORKDIR', 'COPY', 'ARG', 'ARG', 'ARG', 'LABEL'],
    ]);
    expect(parsed.stages[1][1].args).toBe('["python", "-c", "pass"]');
    expect(text).toContain('ENV GREETING="say \\"hi\\" to \\$USER"');
    expect(text).toContain('COPY --link deployment/bare/ /opt/bare/');
  });

  test('tools share one stage that installs the union of their download packages', () => {
    const { project, platform } = newFixturePlatform();
    platform.addImage({
      pipeline: Pipeline.of('ops'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'ops-tools',
      tools: [Tool.kubectl({ version: '1.32.0', sha256: { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) } }), Tool.awsCliV2({ version: '2.22.0' })],
    });
    const stage = parseDockerfile(synth(project)['docker/ops/Dockerfile.deployment']).stages[0];
    expect(runs(stage)[0]).toMatch(/--no-install-recommends ca-certificates curl gpg gpg-agent unzip &&/);
    expect(stage.filter((i) => i.keyword === 'ARG').map((i) => i.args)).toEqual([
      'KUBECTL_VERSION=1.32.0', 'KUBECTL_MIRROR=https://dl.k8s.io', 'AWS_CLI_VERSION=2.22.0', 'AWS_CLI_MIRROR=https://awscli.amazonaws.com',
    ]);
  });
});

describe('declarations a Dockerfile cannot carry fail synth, naming the value and the fix', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a base image that is not a reference', { baseImage: 'Python 3.11' },
      /base image 'Python 3\.11' is not an image reference such as 'python:3\.11-slim'/],
    ['an ENV value with a line break', { env: { A: 'one\ntwo' } },
      /environment variable 'A' has a line break in its value: a Dockerfile ENV value is one line/],
    ['a workdir with a space', { workdir: '/my scripts' }, /workdir '\/my scripts' must be an absolute folder without spaces/],
    ['the same tool twice', { tools: [Tool.kubectl(), Tool.kubectl({ version: '1.30.0', sha256: { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) } })] },
      /build argument 'KUBECTL_VERSION' would be passed 2 times .*: pin only one of them/],
  ])('%s', (_case, overrides, message) => {
    const { platform } = newFixturePlatform();
    expect(() => platform.addImage({ pipeline: Pipeline.of('x'), kind: ImageKind.DEPLOYMENT, repository: 'x-tools', ...overrides }))
      .toThrow(message);
  });

  test('a script folder with a space cannot be written into a COPY', () => {
    expect(() => ScriptCopy.of('training/my scripts', '/scripts'))
      .toThrow('script folder \'training/my scripts\' may only use letters, digits, \'.\', \'_\', \'-\' and \'/\', e.g. \'training/triton\'');
  });
});

describe('the build context', () => {
  test('leaves out dependencies, git history, local caches and credentials', () => {
    // GIVEN the generated .dockerignore at the root every image builds from
    const patterns = String(FIXTURE.files['.dockerignore']).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(patterns).toEqual(expect.arrayContaining(['node_modules/', '.git/', '.cache/', '**/.env', '**/*.pem']));
  });
});

/**
 * This repository's own images, as its .projenrc.ts declares them: what the
 * tests expect comes from that declaration, so a team's edit of it (account,
 * versions, script folders, images added or removed) keeps them green.
 */
describe.each(ownPlatform().images.map((image) => [image.imageId, image] as const))('this repository\'s image %s', (_id, image) => {
  const text = readRepoFile(image.dockerfile);

  test('has a committed Dockerfile that parses and lints clean', () => {
    expect(lintDockerfile(text)).toEqual([]);
    expect(parseDockerfile(text).stages.length).toBeGreaterThan(0);
  });

  test('copies each declared script folder, which holds files git tracks, so a fresh clone has it for the build', () => {
    // GIVEN the declared script folders and what the committed Dockerfile takes from the repository
    const copied = copiedPaths(text);
    // THEN each is copied and is a folder of the repository with committed files (git keeps no empty folder)
    for (const { source } of image.scripts) {
      expect(copied).toContain(source);
      expect(statSync(join(REPO_ROOT, source)).isDirectory()).toBe(true);
      expect(execFileSync('git', ['ls-files', '--', source], { cwd: REPO_ROOT, encoding: 'utf8' })).not.toBe('');
    }
  });

  test('declares an ARG for exactly the build arguments its workflow passes, whose fixed values the committed build-args file lists as declared', () => {
    // GIVEN the committed workflow's build step, its fingerprint step run in this checkout, and the committed build arguments file
    const ciArgs = ciBuildArgs(image.workflowFileName);
    const fileArgs = readRepoFile(image.buildArgsFile).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // THEN the Dockerfile declares each passed name, the file holds the declaration's values, and the rest are provenance
    expect([...declaredArgs(text)].sort()).toEqual(ciArgs.map((l) => l.split('=')[0]).sort());
    expect(fileArgs).toEqual(image.buildArgs.map((a) => `${a.name}=${a.value}`));
    expect(ciArgs.slice(0, fileArgs.length)).toEqual(fileArgs);
    expect(ciArgs.slice(fileArgs.length).map((l) => l.split('=')[0])).toEqual(['IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED']);
  });

  test('still sees its script folders through the committed .dockerignore', () => {
    const patterns = readRepoFile('.dockerignore').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const topFolders = patterns.filter((p) => !p.startsWith('**')).map((p) => p.replace(/\/$/, ''));
    for (const { source } of image.scripts) {
      expect(topFolders.filter((folder) => source.startsWith(`${folder}/`) || source === folder)).toEqual([]);
    }
  });
});
