import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  ContainerImage, ContainerImageOptions, ImageKind, ImagePlatform, PINS_LOCK_FILE, PinsLock, Pipeline, PythonPackage, Tool,
} from '../src';
import { fingerprintOf } from './support/fingerprint-fixture';
import { gitRepo } from './support/git-fixture';
import { newProject, synth, TEST_REGISTRY } from './support/project';
import { cleanEnv, copyProject } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';

/** A fresh copy of the committed lock, to edit. */
const committedLock = (): PinsLock => JSON.parse(readFileSync(join(REPO_ROOT, PINS_LOCK_FILE), 'utf8'));
const LOCK = committedLock();

const IMAGE: ContainerImageOptions = {
  pipeline: Pipeline.of('triton'),
  kind: ImageKind.DEPLOYMENT,
  repository: 'mlops-deployment-tools',
  heavyPythonPackages: [PythonPackage.of('torch', { version: '2.5.1' })],
  pythonPackages: ['mlflow', 'NumPy'],
  tools: [Tool.awsCliV2(), Tool.kubectl()],
  scripts: [],
};

/** Declares one image on a platform pinned by `lock` and synthesizes it. */
function synthWith(lock: PinsLock, options: Partial<ContainerImageOptions> = {}): { image: ContainerImage; files: Record<string, any> } {
  const project = newProject();
  const platform = new ImagePlatform(project, { registry: TEST_REGISTRY, pins: lock });
  const image = platform.addImage({ ...IMAGE, ...options });
  return { image, files: synth(project) };
}

/** The `NAME=value` lines of the image's build arguments file. */
const buildArgs = (files: Record<string, any>, image: ContainerImage) =>
  String(files[image.buildArgsFile]).split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('synthesis renders what the lock pins', () => {
  const { image, files } = synthWith(LOCK);

  test('the base image by its index digest, every Python package and every tool at the lock\'s version; a declared version wins', () => {
    expect(buildArgs(files, image)).toEqual([
      `BASE_IMAGE=python:3.11-slim@${LOCK.baseImages['python:3.11-slim'].digest}`,
      'PIP_INDEX_URL=https://pypi.org/simple',
      'TORCH_VERSION=2.5.1',
      `MLFLOW_VERSION=${LOCK.pythonPackages.mlflow.version}`,
      // Declared as 'NumPy': the lock's key is the PEP 503 name.
      `NUMPY_VERSION=${LOCK.pythonPackages.numpy.version}`,
      `AWS_CLI_VERSION=${LOCK.tools['aws-cli'].version}`, 'AWS_CLI_MIRROR=https://awscli.amazonaws.com',
      `KUBECTL_VERSION=${LOCK.tools.kubectl.version}`, 'KUBECTL_MIRROR=https://dl.k8s.io',
    ]);
  });

  test('kubectl is verified against the lock\'s sha256 of each architecture', () => {
    const dockerfile = String(files[image.dockerfile]);
    expect(dockerfile).toContain(`arch=amd64 sha256=${LOCK.tools.kubectl.sha256!.amd64}`);
    expect(dockerfile).toContain(`arch=arm64 sha256=${LOCK.tools.kubectl.sha256!.arm64}`);
  });

  test('the same lock gives the same files, byte for byte', () => {
    expect(synthWith(committedLock()).files).toEqual(files);
  });

  test('an explicit version in the declaration overrides the lock, with its own checksums', () => {
    const sha256 = { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) };
    const held = synthWith(LOCK, {
      pythonPackages: [PythonPackage.of('mlflow', { version: '2.19.0' })],
      tools: [Tool.awsCliV2({ version: '2.22.0' }), Tool.kubectl({ version: '1.32.0', sha256 })],
    });
    expect(buildArgs(held.files, held.image)).toEqual(expect.arrayContaining([
      'MLFLOW_VERSION=2.19.0', 'AWS_CLI_VERSION=2.22.0', 'KUBECTL_VERSION=1.32.0',
    ]));
    expect(String(held.files[held.image.dockerfile])).toContain(`arch=amd64 sha256=${'a'.repeat(64)}`);
  });

  test.each([
    ['a reference with its own digest', `python:3.11-slim@sha256:${'c'.repeat(64)}`],
    ['an image in local storage, which no registry serves', 'localhost/e2e-python:3.11'],
  ])('%s is built as declared', (_case, baseImage) => {
    const declared = synthWith(LOCK, { baseImage });
    expect(buildArgs(declared.files, declared.image)[0]).toBe(`BASE_IMAGE=${baseImage}`);
  });
});

describe('an input the lock does not pin fails synthesis with one line naming it and the fix', () => {
  test.each<[string, Partial<ContainerImageOptions>, (lock: any) => void, string]>([
    ['a Python package', { pythonPackages: ['mlflow', 'scikit-learn'] }, () => undefined,
      'Python package \'scikit-learn\' has no version in pins.lock.json (pythonPackages["scikit-learn"]): run `npx projen upgrade-pins`, or declare its version'],
    ['a base image', { baseImage: 'python:3.12-slim' }, () => undefined,
      'base image \'python:3.12-slim\' has no digest in pins.lock.json (baseImages["python:3.12-slim"]): run `npx projen upgrade-pins`, or declare it with its digest (\'python:3.12-slim@sha256:...\')'],
    ['the AWS CLI', {}, (l) => { delete l.tools['aws-cli']; },
      'AWS CLI v2 has no version in pins.lock.json (tools["aws-cli"]): run `npx projen upgrade-pins`, or declare its version'],
    ['kubectl\'s checksums', {}, (l) => { delete l.tools.kubectl.sha256; },
      `kubectl ${LOCK.tools.kubectl.version} has no sha256 for amd64 and arm64 in pins.lock.json (tools["kubectl"].sha256): run \`npx projen upgrade-pins\``],
  ])('%s', (_case, options, breakLock, line) => {
    const lock = committedLock();
    breakLock(lock);
    expect(() => synthWith(lock, options)).toThrow(`Invalid image declaration 'triton-deployment':\n  - ${line}`);
  });

  test('npx projen prints the line alone and writes nothing', () => {
    // GIVEN a copy of this project whose .projenrc.ts declares a package the lock does not have
    const copy = copyProject(mkdtempSync(join(tmpdir(), 'unlocked-package-')));
    try {
      const projenrc = join(copy, '.projenrc.ts');
      writeFileSync(projenrc, readFileSync(projenrc, 'utf8').replace("pythonPackages: ['mlflow', 'boto3', 'requests'],", "pythonPackages: ['mlflow', 'boto3', 'requests', 'httpx'],"));
      const before = readdirSync(join(copy, 'docker', 'vllm')).map((f) => readFileSync(join(copy, 'docker', 'vllm', f), 'utf8'));
      // WHEN it is synthesized
      const result = spawnSync('node', [join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen'), '--no-post'], { cwd: copy, env: cleanEnv(), encoding: 'utf8' });
      // THEN it fails with the declaration's message, the package and the fix, no stack, and nothing changed
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("Invalid image declaration 'vllm-deployment':\n  - Python package 'httpx' has no version in pins.lock.json (pythonPackages[\"httpx\"]): run `npx projen upgrade-pins`, or declare its version\n");
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(isDeepStrictEqual(readdirSync(join(copy, 'docker', 'vllm')).map((f) => readFileSync(join(copy, 'docker', 'vllm', f), 'utf8')), before)).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('the inputs fingerprint changes whenever a pinned value does', () => {
  /** The fingerprint of the image synthesized from `lock`, computed by the workflow's own function on a checkout of the files. */
  function fingerprintWith(lock: PinsLock): string {
    const { image, files } = synthWith(lock);
    const repo = gitRepo(Object.fromEntries(Object.entries(files).map(([path, content]) =>
      [path, typeof content === 'string' ? content : `${JSON.stringify(content, undefined, 2)}\n`])));
    try {
      return fingerprintOf(repo, image);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }

  const baseline = fingerprintWith(committedLock());

  test('the same lock gives the same fingerprint', () => {
    expect(fingerprintWith(committedLock())).toBe(baseline);
  });

  test.each<[string, (lock: any) => void]>([
    ['a new base image digest', (l) => { l.baseImages['python:3.11-slim'].digest = `sha256:${'d'.repeat(64)}`; }],
    ['a new Python package version', (l) => { l.pythonPackages.mlflow.version = '9.9.9'; }],
    ['a new AWS CLI release', (l) => { l.tools['aws-cli'].version = '2.99.0'; }],
    ['a new kubectl release', (l) => { l.tools.kubectl.version = '1.99.0'; }],
    ['a new kubectl checksum', (l) => { l.tools.kubectl.sha256.arm64 = 'e'.repeat(64); }],
  ])('%s', (_case, change) => {
    const lock = committedLock();
    change(lock);
    expect(fingerprintWith(lock)).not.toBe(baseline);
  });
});
