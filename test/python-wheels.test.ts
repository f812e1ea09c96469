import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerImageOptions, ImageKind, PINS_LOCK_FILE, PinsLock, Pipeline, PythonPackage, TargetPlatform } from '../src';
import { newPlatform, synth } from './support/project';
import { REPO_ROOT } from './support/workflows';
import { pinsIntent } from '../src/pins/intent';
import { imagePython, wheelsCover, wheelTagPlatforms } from '../src/pins/wheel-platforms';

// Each image platform needs a wheel of each Python package: the slim base images have no
// compiler to build a source distribution. The lock records, per package and Python, the
// platforms its pinned version has wheels for; synthesis refuses an image that lacks one.

describe('a wheel file name gives the platforms CPython 3.11 on glibc Linux installs it on', () => {
  test.each<[string, string, string[]]>([
    ['a pure-Python wheel: every platform', 'requests-2.34.2-py3-none-any.whl', ['any']],
    ['a wheel for Python 2 and 3 (a compressed tag set)', 'six-1.17.0-py2.py3-none-any.whl', ['any']],
    ['a pure-Python wheel for Python 2 only', 'futures-3.4.0-py2-none-any.whl', []],
    ['a pure-Python wheel tagged with this minor', 'x-1.0-py311-none-any.whl', ['any']],
    ['a pure-Python wheel tagged with a newer minor', 'x-1.0-py312-none-any.whl', []],
    ['CPython 3.11\'s own ABI on x86_64 (PEP 600 tag)', 'numpy-2.4.5-cp311-cp311-manylinux_2_27_x86_64.whl', ['linux/amd64']],
    ['legacy and PEP 600 tags together on aarch64', 'pyyaml-6.0.3-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl', ['linux/arm64']],
    ['manylinux1 (the oldest alias)', 'x-1.0-cp311-cp311-manylinux1_x86_64.whl', ['linux/amd64']],
    ['the stable ABI built for an older CPython 3', 'cryptography-44.0.0-cp39-abi3-manylinux_2_34_aarch64.whl', ['linux/arm64']],
    ['the stable ABI built for a newer CPython 3', 'x-1.0-cp312-abi3-manylinux_2_17_x86_64.whl', []],
    ['CPython 3.12 only', 'torch-2.5.1-cp312-cp312-manylinux1_x86_64.whl', []],
    ['CPython 3.11 with no ABI dependency', 'x-1.0-cp311-none-manylinux_2_17_x86_64.whl', ['linux/amd64']],
    ['a debug build\'s ABI', 'x-1.0-cp311-cp311d-manylinux_2_17_x86_64.whl', []],
    ['PyPy', 'x-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl', []],
    ['musllinux: only musl-based images (Alpine) install it, not the Debian-based slim ones', 'x-1.0-cp311-cp311-musllinux_1_2_x86_64.whl', []],
    ['32-bit Arm v7', 'x-1.0-cp311-cp311-manylinux_2_17_armv7l.whl', ['linux/arm/v7']],
    ['i686, ppc64le, s390x in one wheel', 'x-1.0-cp311-cp311-manylinux2014_i686.manylinux2014_ppc64le.manylinux2014_s390x.whl', ['linux/386', 'linux/ppc64le', 'linux/s390x']],
    ['macOS', 'torch-2.5.1-cp311-none-macosx_11_0_arm64.whl', []],
    ['Windows', 'torch-2.5.1-cp311-cp311-win_amd64.whl', []],
    ['a wheel with a build number', 'x-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl', ['linux/amd64']],
    ['a source distribution only', 'torch-2.5.1.tar.gz', []],
    ['a file name that is not a wheel\'s', 'x-1.0-any.whl', []],
  ])('%s', (_case, filename, platforms) => {
    expect(wheelTagPlatforms(filename, '3.11')).toEqual(platforms);
  });
});

describe('an image platform is covered by the wheels of its architecture', () => {
  test.each<[string, string[], boolean]>([
    ['linux/amd64', ['any'], true],
    ['linux/arm64', ['linux/amd64', 'linux/arm64'], true],
    ['linux/arm64', ['linux/amd64'], false],
    ['linux/arm64/v8', ['linux/arm64'], true],
    ['linux/amd64/v3', ['linux/amd64'], true],
    ['linux/arm/v7', ['linux/arm/v7'], true],
    // armv6l and armv7l wheels are not interchangeable for pip.
    ['linux/arm/v6', ['linux/arm/v7'], false],
    ['linux/amd64', [], false],
  ])('%s by %j: %s', (platform, recorded, covered) => {
    expect(wheelsCover(recorded, platform)).toBe(covered);
  });

  test.each<[string, string | undefined]>([
    ['python:3.11-slim', '3.11'],
    ['registry.example.com:5000/team/python:3.12.4-bookworm@sha256:' + 'c'.repeat(64), '3.12'],
    ['python', undefined],
    ['nvidia/cuda:12.4.1-runtime-ubuntu22.04', undefined],
  ])('the Python whose wheels %s installs is %s', (reference, python) => {
    expect(imagePython(reference)).toBe(python);
  });
});

/** A fresh copy of the committed lock, to give wheels to. */
const committedLock = (): PinsLock => JSON.parse(readFileSync(join(REPO_ROOT, PINS_LOCK_FILE), 'utf8'));

/** The committed lock, with the given wheels recorded for CPython 3.11 (and, for torch, 3.12: another image's). */
function lockWithWheels(wheels: Record<string, string[]>): PinsLock {
  const lock = committedLock() as any;
  for (const [name, platforms] of Object.entries(wheels)) {
    lock.pythonPackages[name] = { ...lock.pythonPackages[name], wheels: { 3.11: platforms, 3.12: ['any'] } };
  }
  return lock;
}

const TWO_PLATFORMS = [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64];
const IMAGE: ContainerImageOptions = {
  pipeline: Pipeline.of('vllm'),
  kind: ImageKind.DEPLOYMENT,
  repository: 'vllm-deployment-tools',
  heavyPythonPackages: [PythonPackage.of('torch', { version: '2.5.1' })],
  pythonPackages: ['mlflow'],
  platforms: TWO_PLATFORMS,
};

function declare(lock: PinsLock, options: Partial<ContainerImageOptions> = {}) {
  const { project, platform } = newPlatform({ pins: lock });
  platform.addImage({ ...IMAGE, ...options });
  return project;
}

describe('synthesis refuses an image whose platforms the lock\'s wheels do not all cover, with one line', () => {
  const mlflow = committedLock().pythonPackages.mlflow.version;
  test.each<[string, Record<string, string[]>, Partial<ContainerImageOptions>, string]>([
    ['a held version with a wheel for amd64 only', { torch: ['linux/amd64'], mlflow: ['any'] }, {},
      'image \'vllm-deployment\' is built for linux/arm64, but Python package \'torch\' 2.5.1 has no wheel for CPython 3.11 there (pins.lock.json pythonPackages["torch"].wheels["3.11"]: linux/amd64): '
      + 'declare a version that has one, PythonPackage.of(\'torch\', { version: \'<version>\' }), then run `npx projen upgrade-pins` to record its wheels; or leave linux/arm64 out of platforms'],
    ['the lock\'s version with a wheel for arm64 only, on an image of amd64 alone', { mlflow: ['linux/arm64'] }, { platforms: undefined },
      `image 'vllm-deployment' is built for linux/amd64, but Python package 'mlflow' ${mlflow} has no wheel for CPython 3.11 there (pins.lock.json pythonPackages["mlflow"].wheels["3.11"]: linux/arm64): `
      + 'declare a version that has one, PythonPackage.of(\'mlflow\', { version: \'<version>\' }), then run `npx projen upgrade-pins` to record its wheels; or leave linux/amd64 out of platforms'],
    ['a source distribution only', { mlflow: [] }, {},
      `image 'vllm-deployment' is built for linux/amd64 and linux/arm64, but Python package 'mlflow' ${mlflow} has no wheel for CPython 3.11 there (pins.lock.json pythonPackages["mlflow"].wheels["3.11"]: none): `
      + 'declare a version that has one, PythonPackage.of(\'mlflow\', { version: \'<version>\' }), then run `npx projen upgrade-pins` to record its wheels; or leave linux/amd64 and linux/arm64 out of platforms'],
  ])('%s', (_case, wheels, options, line) => {
    expect(() => declare(lockWithWheels(wheels), options)).toThrow(`Invalid image declaration 'vllm-deployment':\n  - ${line}`);
  });
});

describe('synthesis accepts what the lock\'s wheels cover, and what it cannot tell', () => {
  test.each<[string, Record<string, string[]>, Partial<ContainerImageOptions>]>([
    ['pure-Python wheels', { torch: ['any'], mlflow: ['any'] }, {}],
    ['a wheel for each platform', { torch: ['linux/amd64', 'linux/arm64'], mlflow: ['any'] }, {}],
    ['the arm64 variant v8', { torch: ['linux/amd64', 'linux/arm64'] }, { platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.of('linux/arm64/v8')] }],
    ['no wheels recorded (the committed lock: an upgrade has not run since)', {}, {}],
    ['wheels recorded for another Python than the base image\'s', { torch: ['linux/amd64'] }, { baseImage: 'python:3.12-slim@sha256:' + 'e'.repeat(64) }],
    ['a base image whose Python is unknown', { torch: ['linux/amd64'] }, { baseImage: `nvidia/cuda@sha256:${'e'.repeat(64)}` }],
    ['wheels recorded for another version than the declared one', { torch: ['linux/amd64'] }, { heavyPythonPackages: [PythonPackage.of('torch', { version: '2.6.0' })] }],
  ])('%s', (_case, wheels, options) => {
    expect(() => declare(lockWithWheels(wheels), options)).not.toThrow();
  });

  test('recorded wheels change no generated file: they only decide whether synthesis refuses', () => {
    const covering = Object.fromEntries(Object.keys(committedLock().pythonPackages).map((name) => [name, ['linux/amd64', 'linux/arm64']]));
    expect(synth(declare(lockWithWheels(covering)))).toEqual(synth(declare(committedLock())));
  });
});

test('the upgrade is asked for a wheel on every platform of an image of several', () => {
  const { platform } = newPlatform();
  platform.addImage({ ...IMAGE, platforms: [TargetPlatform.LINUX_ARM64, TargetPlatform.LINUX_AMD64] });
  platform.addImage({ ...IMAGE, kind: ImageKind.TRAINING, repository: 'vllm-training-tools', platforms: undefined, heavyPythonPackages: [] });
  expect(pinsIntent(platform).pythonPackages).toEqual({
    torch: { name: 'torch', version: '2.5.1', pythons: ['3.11'], architectures: ['amd64', 'arm64'] },
    mlflow: { name: 'mlflow', pythons: ['3.11'], architectures: ['amd64', 'arm64'] },
  });
});
