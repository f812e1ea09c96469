import { HttpClient, SourceError } from './http';
import { compareVersions, isFinal, parseVersion, Pep440Version, pythonSatisfies } from './pep440';
import type { PythonPackageIntent } from '../intent';
import type { LockedPythonPackage } from '../lock-file';

interface PypiFile {
  readonly filename?: unknown;
  readonly packagetype?: unknown;
  readonly requires_python?: unknown;
  readonly yanked?: unknown;
}

/** The wheel platform tags' machine names for an image architecture. */
const MACHINES: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64' };

/**
 * The newest release of a package that every image declaring it can install
 * from a wheel, from PyPI's JSON API: a final release (no pre-, dev- or
 * local version), not yanked, whose `requires_python` accepts each base
 * image's Python, with a wheel for that CPython on glibc Linux of each
 * image's architecture. A release with only a source distribution is passed
 * over: the slim base images have no compiler to build it.
 *
 * @see https://docs.pypi.org/api/json/
 * @see https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/
 */
export async function latestPythonPackage(http: HttpClient, base: string, key: string, intent: PythonPackageIntent): Promise<LockedPythonPackage> {
  const res = await http.request(`${base}/pypi/${encodeURIComponent(key)}/json`, { Accept: 'application/json' });
  if (res.status === 404) {
    throw new SourceError(http.source, `'${intent.name}' is not on PyPI (HTTP 404): fix its name in .projenrc.ts`);
  }
  if (res.status !== 200) {
    throw http.unexpected(res, `'${intent.name}' could not be read; run again later`);
  }
  const body = http.json<{ releases?: Record<string, PypiFile[]> }>(res);
  if (!body.releases || typeof body.releases !== 'object') {
    throw http.malformed(res, `no releases for '${intent.name}'`);
  }
  let best: { text: string; version: Pep440Version } | undefined;
  for (const [text, files] of Object.entries(body.releases)) {
    const version = parseVersion(text);
    if (!version || !isFinal(version) || !Array.isArray(files) || (best && compareVersions(version, best.version) <= 0)) {
      continue;
    }
    const live = files.filter((f) => f.yanked !== true);
    if (live.length > 0 && intent.pythons.every((py) => intent.architectures.every((arch) =>
      live.some((f) => installable(f, py, arch))))) {
      best = { text, version };
    }
  }
  if (!best) {
    const on = `CPython ${intent.pythons.join('/') || '3'} on linux/${intent.architectures.join('+')}`;
    throw new SourceError(http.source, `'${intent.name}' has no final, unyanked release with a wheel for ${on}: declare its version in .projenrc.ts to hold it`);
  }
  return { version: best.text };
}

/** Whether a file is a wheel a CPython `major.minor` on glibc Linux of an architecture installs. */
function installable(file: PypiFile, python: string, arch: string): boolean {
  if (file.packagetype !== 'bdist_wheel' || typeof file.filename !== 'string') {
    return false;
  }
  if (typeof file.requires_python === 'string' && !pythonSatisfies(python, file.requires_python)) {
    return false;
  }
  // {name}-{version}(-{build})?-{python tag}-{abi tag}-{platform tag}.whl
  const parts = file.filename.replace(/\.whl$/, '').split('-');
  if (parts.length < 5) {
    return false;
  }
  const [pyTags, abiTags, platTags] = parts.slice(-3).map((t) => t.split('.'));
  const [major, minor] = python.split('.').map(Number);
  const machine = MACHINES[arch] ?? arch;
  const pyOk = pyTags.some((t) => t === `py${major}` || t === `py${major}${minor}` || t === `cp${major}${minor}`
    || (abiTags.includes('abi3') && /^cp(\d)(\d+)$/.test(t) && Number(t.slice(2, 3)) === major && Number(t.slice(3)) <= minor));
  const abiOk = abiTags.some((t) => t === 'none' || t === 'abi3' || t === `cp${major}${minor}`);
  const platOk = platTags.some((t) => t === 'any' || ((t.startsWith('manylinux') || t.startsWith('linux_')) && t.endsWith(`_${machine}`)));
  return pyOk && abiOk && platOk;
}
