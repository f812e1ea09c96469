import { HttpClient, SourceError } from './http';
import { compareVersions, isFinal, parseVersion, Pep440Version, pythonSatisfies } from './pep440';
import type { PythonPackageIntent } from '../intent';
import type { LockedPythonPackage } from '../lock-file';
import { normalizeWheelPlatforms, wheelsCover, wheelTagPlatforms } from '../wheel-platforms';

interface PypiFile {
  readonly filename?: unknown;
  readonly packagetype?: unknown;
  readonly requires_python?: unknown;
  readonly yanked?: unknown;
}

/**
 * A package's release for the lock, from PyPI's JSON API, with the platforms
 * each of its images' Pythons has a wheel for (`wheels`, see
 * `wheelTagPlatforms`), which synthesis checks each image's platforms against.
 *
 * A version declared in `.projenrc.ts` is kept; it must be on PyPI. Otherwise
 * the newest release that every image declaring it can install from a wheel:
 * a final release (no pre-, dev- or local version), not yanked, whose
 * `requires_python` accepts each base image's Python, with a wheel for that
 * CPython on glibc Linux of each image's architecture. A release with only a
 * source distribution is passed over: the slim base images have no compiler
 * to build it.
 *
 * @see https://docs.pypi.org/api/json/
 * @see https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/
 */
export async function resolvePythonPackage(http: HttpClient, base: string, key: string, intent: PythonPackageIntent): Promise<LockedPythonPackage> {
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
  const picked = intent.version !== undefined ? declaredRelease(body.releases, intent.version) : newestInstallable(body.releases, intent);
  if (!picked) {
    if (intent.version !== undefined) {
      throw new SourceError(http.source, `'${intent.name}' has no release ${intent.version}: fix the version .projenrc.ts declares for it`);
    }
    const on = `CPython ${intent.pythons.join('/') || '3'} on linux/${intent.architectures.join('+')}`;
    throw new SourceError(http.source, `'${intent.name}' has no final, unyanked release with a wheel for ${on}: declare its version in .projenrc.ts to hold it`);
  }
  const [version, files] = picked;
  if (intent.pythons.length === 0) {
    // No base image says which Python it carries: there is nothing to match cpXY tags against.
    return { version };
  }
  return { version, wheels: Object.fromEntries(intent.pythons.map((py) => [py, releaseWheelPlatforms(files, py)])) };
}

/** The release of the declared version, compared as PEP 440 versions (`2.5` is `2.5.0`). */
function declaredRelease(releases: Record<string, PypiFile[]>, declared: string): [string, PypiFile[]] | undefined {
  const wanted = parseVersion(declared);
  const found = Object.entries(releases).find(([text]) => {
    const v = parseVersion(text);
    return v && wanted && compareVersions(v, wanted) === 0;
  });
  return found && Array.isArray(found[1]) ? [declared, found[1]] : undefined;
}

function newestInstallable(releases: Record<string, PypiFile[]>, intent: PythonPackageIntent): [string, PypiFile[]] | undefined {
  let best: { text: string; version: Pep440Version; files: PypiFile[] } | undefined;
  for (const [text, files] of Object.entries(releases)) {
    const version = parseVersion(text);
    if (!version || !isFinal(version) || !Array.isArray(files) || (best && compareVersions(version, best.version) <= 0)) {
      continue;
    }
    const live = files.filter((f) => f.yanked !== true);
    if (live.length > 0 && intent.pythons.every((py) => {
      const platforms = releaseWheelPlatforms(live, py);
      return intent.architectures.every((arch) => wheelsCover(platforms, `linux/${arch}`));
    })) {
      best = { text, version, files };
    }
  }
  return best && [best.text, best.files];
}

/**
 * The platforms a CPython `major.minor` installs one of a release's wheels on.
 * A yanked file counts: the Dockerfile pins `==`, which pip installs yanked
 * files for (PEP 592); only the choice of the newest release passes them over.
 */
function releaseWheelPlatforms(files: readonly PypiFile[], python: string): string[] {
  return normalizeWheelPlatforms(files.flatMap((file) => {
    if (file.packagetype !== 'bdist_wheel' || typeof file.filename !== 'string') {
      return [];
    }
    if (typeof file.requires_python === 'string' && !pythonSatisfies(python, file.requires_python)) {
      return [];
    }
    return wheelTagPlatforms(file.filename, python);
  }));
}
