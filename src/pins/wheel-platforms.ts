/**
 * What the lock records for a wheel that installs everywhere (a pure-Python
 * `py3-none-any` wheel): it covers every platform.
 */
export const ANY_PLATFORM = 'any';

/**
 * The machine of a Linux wheel platform tag (`manylinux_2_17_aarch64`) → the
 * OCI platform of the image that installs it.
 */
const MACHINES: Readonly<Record<string, string>> = {
  x86_64: 'linux/amd64',
  aarch64: 'linux/arm64',
  armv7l: 'linux/arm/v7',
  armv6l: 'linux/arm/v6',
  i686: 'linux/386',
  ppc64le: 'linux/ppc64le',
  s390x: 'linux/s390x',
  riscv64: 'linux/riscv64',
};

// glibc Linux: the legacy manylinux1/2010/2014 aliases, PEP 600's manylinux_X_Y, and plain linux_ (pip accepts it, PyPI refuses uploads of it).
const GLIBC_LINUX = /^(?:manylinux(?:1|2010|2014|_\d+_\d+)|linux)_([a-z0-9_]+)$/;

/**
 * The platforms on which CPython `python` (`major.minor`) on glibc Linux, as
 * the official `python:*-slim` images are, installs a wheel, from its file
 * name's compatibility tags: `[ANY_PLATFORM]` for a pure-Python wheel, the
 * image platforms of its Linux platform tags, or none (another Python or ABI,
 * macOS or Windows, or musllinux, which only musl-based images such as Alpine
 * install).
 *
 * A tag triple counts as pip counts it for that interpreter: `cpXY-cpXY`
 * (its own ABI), `cpXW-abi3` with W ≤ Y (the stable ABI), `cpXY`/`pyXY`/`pyX`
 * with ABI `none`; compressed tag sets (`py2.py3`, `manylinux1_x86_64.manylinux_2_5_x86_64`)
 * count for each of their tags.
 *
 * @see https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/
 * @see https://peps.python.org/pep-0600/
 * @see https://peps.python.org/pep-0656/
 */
export function wheelTagPlatforms(filename: string, python: string): string[] {
  // {name}-{version}(-{build})?-{python tag}-{abi tag}-{platform tag}.whl
  const parts = filename.replace(/\.whl$/, '').split('-');
  if (!filename.endsWith('.whl') || parts.length < 5) {
    return [];
  }
  const [pyTags, abiTags, platTags] = parts.slice(-3).map((t) => t.split('.'));
  const [major, minor] = python.split('.').map(Number);
  const interpreter = (tag: string, abi: string): boolean => {
    if (abi === `cp${major}${minor}`) {
      return tag === `cp${major}${minor}`;
    }
    if (abi === 'abi3') {
      const m = /^cp(\d)(\d+)$/.exec(tag);
      return m !== null && Number(m[1]) === major && Number(m[2]) <= minor;
    }
    if (abi === 'none') {
      const m = /^py(\d)(\d*)$/.exec(tag);
      return tag === `cp${major}${minor}` || (m !== null && Number(m[1]) === major && (m[2] === '' || Number(m[2]) <= minor));
    }
    return false;
  };
  const platforms = new Set<string>();
  for (const abi of abiTags) {
    if (!pyTags.some((tag) => interpreter(tag, abi))) {
      continue;
    }
    for (const plat of platTags) {
      // Only ABI `none` comes without a platform: pip has no `cp311-cp311-any` or `cp38-abi3-any`.
      if (plat === ANY_PLATFORM && abi === 'none') {
        platforms.add(ANY_PLATFORM);
      }
      const machine = GLIBC_LINUX.exec(plat)?.[1];
      if (machine && MACHINES[machine]) {
        platforms.add(MACHINES[machine]);
      }
    }
  }
  return normalizeWheelPlatforms(platforms);
}

/** The lock's form of a set of platforms: `[ANY_PLATFORM]` when it is among them, else sorted and unique. */
export function normalizeWheelPlatforms(platforms: Iterable<string>): string[] {
  const all = [...new Set(platforms)];
  return all.includes(ANY_PLATFORM) ? [ANY_PLATFORM] : all.sort();
}

/**
 * The platform whose wheels an image platform installs: an amd64 or arm64
 * variant (`linux/amd64/v3`, `linux/arm64/v8`) runs its architecture's wheels;
 * 32-bit Arm keeps its variant (`armv7l` and `armv6l` wheels differ).
 */
export function wheelPlatformOf(platform: string): string {
  const [os, architecture, variant] = platform.split('/');
  return architecture === 'arm' && variant ? `${os}/${architecture}/${variant}` : `${os}/${architecture}`;
}

/** Whether the platforms recorded for a release (see {@link wheelTagPlatforms}) include one an image platform installs. */
export function wheelsCover(recorded: readonly string[], platform: string): boolean {
  return recorded.includes(ANY_PLATFORM) || recorded.includes(wheelPlatformOf(platform));
}

/**
 * The CPython `major.minor` whose wheels an image installs: the tag's of an
 * official-style `python` image (`python:3.11-slim`, `registry.example.com/team/python:3.12@sha256:...`),
 * else unknown.
 */
export function imagePython(baseImage: string): string | undefined {
  const reference = baseImage.split('@')[0];
  const [name, tag] = reference.slice(reference.lastIndexOf('/') + 1).split(':');
  return name === 'python' && tag ? /^(\d+\.\d+)/.exec(tag)?.[1] : undefined;
}
