import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ContainerImage, ContainerImageOptions, ImageKind, PinsLock, Pipeline, PythonPackage, Tool } from '../src';
import { fingerprintOf } from './support/fingerprint-fixture';
import { fixtureLock, newFixturePlatform } from './support/fixture-images';
import { gitRepo } from './support/git-fixture';
import { synth } from './support/project';
import { addImageToProjenrc, synthesizeCopy } from './support/projenrc-copy';
import { copyProject, projectFiles } from './support/sandbox';

// Synthesis reads the tests' own lock (test/support/fixture-images.ts), never this repository's:
// torch 2.4.1, numpy 1.26.4, boto3 1.35.90, python:3.11-slim at sha256:4d4d..., the AWS CLI 2.22.35, kubectl 1.31.4.
const LOCK = fixtureLock();

const IMAGE: ContainerImageOptions = {
  pipeline: Pipeline.of('demo'),
  kind: ImageKind.DEPLOYMENT,
  repository: 'demo-deployment',
  heavyPythonPackages: [PythonPackage.of('torch', { version: '2.3.0' })],
  pythonPackages: ['boto3', 'NumPy'],
  tools: [Tool.awsCliV2(), Tool.kubectl()],
  scripts: [],
};

/** Declares one image on a platform pinned by `lock` and synthesizes it. */
function synthWith(lock: PinsLock, options: Partial<ContainerImageOptions> = {}): { image: ContainerImage; files: Record<string, any> } {
  const { project, platform } = newFixturePlatform({ pins: lock });
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
      `BASE_IMAGE=python:3.11-slim@sha256:${'4d'.repeat(32)}`,
      'PIP_INDEX_URL=https://pypi.org/simple',
      // Declared at 2.3.0; the lock has 2.4.1.
      'TORCH_VERSION=2.3.0',
      'BOTO3_VERSION=1.35.90',
      // Declared as 'NumPy': the lock's key is the PEP 503 name.
      'NUMPY_VERSION=1.26.4',
      'AWS_CLI_VERSION=2.22.35', 'AWS_CLI_MIRROR=https://awscli.amazonaws.com',
      'KUBECTL_VERSION=1.31.4', 'KUBECTL_MIRROR=https://dl.k8s.io',
    ]);
  });

  test('kubectl is verified against the lock\'s sha256 of each architecture', () => {
    const dockerfile = String(files[image.dockerfile]);
    expect(dockerfile).toContain(`arch=amd64 sha256=${'a1'.repeat(32)}`);
    expect(dockerfile).toContain(`arch=arm64 sha256=${'b2'.repeat(32)}`);
  });

  test('the same lock gives the same files, byte for byte', () => {
    expect(synthWith(fixtureLock()).files).toEqual(files);
  });

  test('an explicit version in the declaration overrides the lock, with its own checksums', () => {
    const sha256 = { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) };
    const held = synthWith(LOCK, {
      pythonPackages: [PythonPackage.of('boto3', { version: '1.34.0' })],
      tools: [Tool.awsCliV2({ version: '2.22.0' }), Tool.kubectl({ version: '1.32.0', sha256 })],
    });
    expect(buildArgs(held.files, held.image)).toEqual(expect.arrayContaining([
      'BOTO3_VERSION=1.34.0', 'AWS_CLI_VERSION=2.22.0', 'KUBECTL_VERSION=1.32.0',
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
    ['a Python package', { pythonPackages: ['boto3', 'scikit-image'] }, () => undefined,
      'Python package \'scikit-image\' has no version in pins.lock.json (pythonPackages["scikit-image"]): run `npx projen upgrade-pins`, or declare its version'],
    ['a base image', { baseImage: 'python:3.13-slim' }, () => undefined,
      'base image \'python:3.13-slim\' has no digest in pins.lock.json (baseImages["python:3.13-slim"]): run `npx projen upgrade-pins`, or declare it with its digest (\'python:3.13-slim@sha256:...\')'],
    ['the AWS CLI', {}, (l) => { delete l.tools['aws-cli']; },
      'AWS CLI v2 has no version in pins.lock.json (tools["aws-cli"]): run `npx projen upgrade-pins`, or declare its version'],
    ['kubectl\'s checksums', {}, (l) => { delete l.tools.kubectl.sha256; },
      'kubectl 1.31.4 has no sha256 for amd64 and arm64 in pins.lock.json (tools["kubectl"].sha256): run `npx projen upgrade-pins`'],
  ])('%s', (_case, options, breakLock, line) => {
    const lock = fixtureLock();
    breakLock(lock);
    expect(() => synthWith(lock, options)).toThrow(`Invalid image declaration 'demo-deployment':\n  - ${line}`);
  });

  test('npx projen prints the line alone and writes nothing', () => {
    // GIVEN a copy of this project whose .projenrc.ts declares one image more, with a package no lock has
    // (its base image by digest and no tools, so it needs nothing else from the lock)
    const copy = copyProject(mkdtempSync(join(tmpdir(), 'unlocked-package-')));
    try {
      addImageToProjenrc(copy, [
        "pipeline: added.Pipeline.of('demo'), kind: added.ImageKind.DEPLOYMENT, repository: 'demo-deployment',",
        `baseImage: 'python:3.12-slim@sha256:${'1a'.repeat(32)}', pythonPackages: ['unlocked-demo-package'], tools: [], scripts: [],`,
      ].join(' '));
      const before = projectFiles(copy);
      // WHEN it is synthesized
      const result = synthesizeCopy(copy);
      // THEN it fails with the declaration's message, the package and the fix, no stack, and nothing changed
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("Invalid image declaration 'demo-deployment':\n  - Python package 'unlocked-demo-package' has no version in pins.lock.json "
        + '(pythonPackages["unlocked-demo-package"]): run `npx projen upgrade-pins`, or declare its version\n');
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(isDeepStrictEqual(projectFiles(copy), before)).toBe(true);
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

  const baseline = fingerprintWith(fixtureLock());

  test('the same lock gives the same fingerprint', () => {
    expect(fingerprintWith(fixtureLock())).toBe(baseline);
  });

  test.each<[string, (lock: any) => void]>([
    ['a new base image digest', (l) => { l.baseImages['python:3.11-slim'].digest = `sha256:${'d'.repeat(64)}`; }],
    ['a new Python package version', (l) => { l.pythonPackages.boto3.version = '9.9.9'; }],
    ['a new AWS CLI release', (l) => { l.tools['aws-cli'].version = '2.99.0'; }],
    ['a new kubectl release', (l) => { l.tools.kubectl.version = '1.99.0'; }],
    ['a new kubectl checksum', (l) => { l.tools.kubectl.sha256.arm64 = 'e'.repeat(64); }],
  ])('%s', (_case, change) => {
    const lock = fixtureLock();
    change(lock);
    expect(fingerprintWith(lock)).not.toBe(baseline);
  });
});
