/**
 * The part of PEP 440 the upgrade needs: parsing public versions, ordering
 * them, telling final releases from pre-, dev- and local ones, and checking
 * a `Requires-Python` specifier against a Python `major.minor`.
 *
 * @see https://packaging.python.org/en/latest/specifications/version-specifiers/
 */
export interface Pep440Version {
  readonly epoch: number;
  readonly release: readonly number[];
  readonly pre?: readonly [string, number];
  readonly post?: number;
  readonly dev?: number;
  readonly local?: string;
}

const VERSION = /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

export function parseVersion(text: string): Pep440Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) {
    return undefined;
  }
  const preName = m[3]?.toLowerCase();
  const pre = preName === undefined ? undefined
    : [({ alpha: 'a', beta: 'b', c: 'rc', pre: 'rc', preview: 'rc' } as Record<string, string>)[preName] ?? preName, Number(m[4] || 0)] as const;
  const post = m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[6] || 0) : undefined;
  return {
    epoch: Number(m[1] ?? 0),
    release: m[2].split('.').map(Number),
    ...pre ? { pre } : {},
    ...post !== undefined ? { post } : {},
    ...m[7] !== undefined ? { dev: Number(m[7] || 0) } : {},
    ...m[8] !== undefined ? { local: m[8] } : {},
  };
}

/** A release anyone may install by default: no pre-release, dev or local segment. */
export function isFinal(v: Pep440Version): boolean {
  return v.pre === undefined && v.dev === undefined && v.local === undefined;
}

/** Orders versions as PEP 440 does (local segments ignored). */
export function compareVersions(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) {
    return a.epoch - b.epoch;
  }
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  // dev before pre before final before post; a dev of a pre/post sorts before it.
  const preKey = (v: Pep440Version): number[] => (v.pre ? [1, ['a', 'b', 'rc'].indexOf(v.pre[0]), v.pre[1]]
    : v.dev !== undefined && v.post === undefined ? [0, 0, 0] : [2, 0, 0]);
  const postKey = (v: Pep440Version) => (v.post === undefined ? -1 : v.post);
  const devKey = (v: Pep440Version) => (v.dev === undefined ? Infinity : v.dev);
  const keys = [...preKey(a).map((x, i) => x - preKey(b)[i]), postKey(a) - postKey(b), devKey(a) === devKey(b) ? 0 : devKey(a) < devKey(b) ? -1 : 1];
  return keys.find((d) => d !== 0) ?? 0;
}

/**
 * Whether a Python `major.minor` (taken as `major.minor.0`, the tag's
 * patch being whatever the base image has) satisfies a specifier such as
 * `>=3.9,!=3.10.*,<4`. An empty specifier accepts; one this parser cannot
 * read rejects, so a release is never picked on a guess.
 */
export function pythonSatisfies(python: string, specifier: string | null | undefined): boolean {
  if (!specifier || specifier.trim() === '') {
    return true;
  }
  const version = parseVersion(python)!;
  return specifier.split(',').every((clause) => {
    const m = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s]+)\s*$/.exec(clause);
    if (!m) {
      return false;
    }
    const [, op, text] = m;
    if (text.endsWith('.*')) {
      const prefix = parseVersion(text.slice(0, -2));
      if (!prefix || (op !== '==' && op !== '!=')) {
        return false;
      }
      const matches = prefix.release.every((n, i) => (version.release[i] ?? 0) === n);
      return op === '==' ? matches : !matches;
    }
    const target = parseVersion(text);
    if (!target) {
      return false;
    }
    const c = compareVersions(version, target);
    switch (op) {
      case '==': case '===': return c === 0;
      case '!=': return c !== 0;
      case '<=': return c <= 0;
      case '>=': return c >= 0;
      case '<': return c < 0;
      case '>': return c > 0;
      default: {
        // ~=X.Y.Z: >= X.Y.Z and the same X.Y.
        const prefix = target.release.slice(0, Math.max(1, target.release.length - 1));
        return c >= 0 && prefix.every((n, i) => (version.release[i] ?? 0) === n);
      }
    }
  });
}
