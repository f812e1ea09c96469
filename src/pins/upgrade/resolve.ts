import { GitHubReleases } from './github-releases';
import { baseUrl, HttpClient, httpSettings, SourceError } from './http';
import { latestKubectl } from './kubernetes';
import { resolvePythonPackage } from './pypi';
import { RegistryDigests } from './registry-digests';
import type { PinsIntent } from '../intent';
import type { LockedAction, LockedBaseImage, LockedPythonPackage, LockedTool, PinsLock } from '../lock-file';

/** The repository whose `2.x.y` tags are the AWS CLI v2 releases (its changelog's versions, the installer's file names). */
export const AWS_CLI_REPOSITORY = 'aws/aws-cli';

/**
 * Every source the upgrade queries, with its base URL from the environment
 * (for tests and mirrors) or the public service's:
 *
 * | variable | default |
 * |---|---|
 * | `PINS_GITHUB_API_URL` (else `GITHUB_API_URL`, set on Actions runners) | `https://api.github.com` |
 * | `PINS_DOCKER_HUB_URL` | `https://registry-1.docker.io` |
 * | `PINS_KUBERNETES_URL` | `https://dl.k8s.io` |
 * | `PINS_PYPI_URL` | `https://pypi.org` |
 */
export class Sources {
  public static fromEnv(env: NodeJS.ProcessEnv): Sources {
    const settings = httpSettings(env);
    const githubApi = baseUrl(env, env.PINS_GITHUB_API_URL ? 'PINS_GITHUB_API_URL' : 'GITHUB_API_URL', 'https://api.github.com');
    return new Sources(
      new GitHubReleases(new HttpClient('GitHub API', 'PINS_GITHUB_API_URL', settings), githubApi, env.GITHUB_TOKEN || undefined),
      new RegistryDigests(new HttpClient('container registry', 'PINS_DOCKER_HUB_URL', settings), baseUrl(env, 'PINS_DOCKER_HUB_URL', 'https://registry-1.docker.io')),
      new HttpClient('Kubernetes releases', 'PINS_KUBERNETES_URL', settings), baseUrl(env, 'PINS_KUBERNETES_URL', 'https://dl.k8s.io'),
      new HttpClient('PyPI', 'PINS_PYPI_URL', settings), baseUrl(env, 'PINS_PYPI_URL', 'https://pypi.org'),
    );
  }

  private constructor(
    public readonly github: GitHubReleases,
    public readonly registry: RegistryDigests,
    public readonly kubernetes: HttpClient,
    public readonly kubernetesUrl: string,
    public readonly pypi: HttpClient,
    public readonly pypiUrl: string,
  ) {}
}

/** What the sources answered: the new lock, or one line per source that failed. */
export type Resolution = { readonly lock: PinsLock } | { readonly errors: readonly string[] };

/**
 * Resolves every pinned input of the intent, at most four requests at a
 * time. All sources are asked before anything is decided: one failure
 * leaves the lock as it was, and every failure is reported, not just the
 * first. A declared exact Python version is kept; PyPI is asked for its wheels.
 */
export async function resolveLock(intent: PinsIntent, sources: Sources): Promise<Resolution> {
  const actions: Record<string, LockedAction> = {};
  const baseImages: Record<string, LockedBaseImage> = {};
  const tools: Record<string, LockedTool> = {};
  const pythonPackages: Record<string, LockedPythonPackage> = {};
  const jobs: Array<() => Promise<void>> = [];
  for (const [repo, { major }] of Object.entries(intent.actions)) {
    jobs.push(async () => { actions[repo] = await sources.github.latestAction(repo, major); });
  }
  for (const [reference, image] of Object.entries(intent.baseImages)) {
    jobs.push(async () => { baseImages[reference] = await sources.registry.resolve(reference, image); });
  }
  for (const [id, { track }] of Object.entries(intent.tools)) {
    if (id === 'aws-cli') {
      jobs.push(async () => { tools[id] = { version: await sources.github.latestTag(AWS_CLI_REPOSITORY, track) }; });
    } else if (id === 'kubectl') {
      jobs.push(async () => { tools[id] = await latestKubectl(sources.kubernetes, sources.kubernetesUrl, track); });
    } else {
      jobs.push(async () => { throw new SourceError('upgrade', `tool '${id}' has no release source: add one in src/pins/upgrade/resolve.ts`); });
    }
  }
  for (const [key, pkg] of Object.entries(intent.pythonPackages)) {
    // A declared version is kept, and PyPI still says which platforms it has wheels for.
    jobs.push(async () => { pythonPackages[key] = await resolvePythonPackage(sources.pypi, sources.pypiUrl, key, pkg); });
  }
  const errors = await runAll(jobs, 4);
  return errors.length > 0 ? { errors } : { lock: { lockVersion: 1, actions, baseImages, tools, pythonPackages } };
}

/** Runs every job, `limit` at a time; returns the failures' lines, in the order the jobs were given. */
async function runAll(jobs: ReadonlyArray<() => Promise<void>>, limit: number): Promise<string[]> {
  const errors: Array<string | undefined> = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      try {
        await jobs[i]();
      } catch (error) {
        errors[i] = error instanceof SourceError ? error.message : `upgrade: ${(error as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  // The same failure (e.g. one rate limit) is one line, however many requests met it.
  return [...new Set(errors.filter((e): e is string => e !== undefined))];
}
