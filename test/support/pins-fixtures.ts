import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PinsSourcesServer } from './pins-sources-server';
import { REPO_ROOT } from './workflows';
import type { LockedAction, PinsLock } from '../../src/pins/lock-file';

/** The committed lock: the sources below answer what it holds, so an upgrade against them keeps it. */
export function committedLock(): PinsLock {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'pins.lock.json'), 'utf8')) as PinsLock;
}

export function fakeSha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function fakeDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** An action.yml whose runtime and inputs are the locked ones; a required input keeps no default. */
export function actionYml(action: Pick<LockedAction, 'runs' | 'inputs'>): string {
  const inputs = Object.entries(action.inputs).map(([name, required]) =>
    `  ${name}:\n    description: ${name}\n    required: ${required}\n${required ? '' : '    default: \'\'\n'}`).join('');
  return `name: fixture\ndescription: fixture\n${inputs ? `inputs:\n${inputs}` : ''}runs:\n  using: ${action.runs}\n  main: dist/index.js\n`;
}

/**
 * Makes the server answer, for every source, what the committed lock holds,
 * among the distractions the upgrade must pass over: releases of other
 * majors, drafts and prereleases, more than a page of releases, an annotated
 * tag, and Python releases that are pre-releases, yanked, for a newer Python
 * or without a wheel. Base images get a fresh index (its digest cannot match
 * the real registry's).
 */
export function serveCommittedLock(server: PinsSourcesServer, lock: PinsLock = committedLock()): void {
  for (const [repo, action] of Object.entries(lock.actions)) {
    const major = Number(/^v(\d+)/.exec(action.tag)![1]);
    const yml = actionYml(action);
    server.releases[repo] = [
      { tag: `v${major + 1}.0.0-beta.1`, commit: fakeSha(`${repo} next beta`), prerelease: true, actionYml: yml },
      { tag: `v${major}.99.0`, commit: fakeSha(`${repo} draft`), draft: true, actionYml: yml },
      { tag: `v${major}.98.0`, commit: fakeSha(`${repo} pre`), prerelease: true, actionYml: yml },
      // More than one page (per_page=100) of older releases, the locked one after them.
      ...Array.from({ length: 120 }, (_, i) => ({ tag: `v${major - 1}.${i}.0`, commit: fakeSha(`${repo} old ${i}`), actionYml: yml })),
      { tag: action.tag, commit: action.commit, annotated: repo === 'docker/build-push-action', actionYml: yml },
    ];
  }
  const awsCli = lock.tools['aws-cli'].version;
  server.awsCliTags = ['1.40.12', '2.0.999', awsCli, '3.0.0'];
  const kubectl = lock.tools.kubectl;
  const minor = kubectl.version.split('.').slice(0, 2).join('.');
  server.kubectlStable = { [minor]: `v${kubectl.version}`, 1.34: 'v1.34.9' };
  for (const [arch, sum] of Object.entries(kubectl.sha256 ?? {})) {
    server.kubectlSha256[`v${kubectl.version}/${arch}`] = sum;
  }
  for (const [reference] of Object.entries(lock.baseImages)) {
    const [name, tag] = reference.split(':');
    server.indexes[`library/${name}:${tag}`] = {
      'linux/amd64': fakeDigest(`${reference} amd64 1`),
      'linux/arm64/v8': fakeDigest(`${reference} arm64 1`),
    };
  }
  for (const [name, { version }] of Object.entries(lock.pythonPackages)) {
    const [major, minorPart] = version.split('.').map(Number);
    const wheel = (v: string, extra: Record<string, unknown> = {}) => ({ filename: `${name.replace(/-/g, '_')}-${v}-py3-none-any.whl`, packagetype: 'bdist_wheel' as const, requires_python: '>=3.9', ...extra });
    server.pypi[name] = {
      [`${major - 1}.0.0`]: [wheel(`${major - 1}.0.0`)],
      [version]: [wheel(version), { filename: `${name}-${version}.tar.gz`, packagetype: 'sdist' }],
      [`${major}.${minorPart + 1}.0rc1`]: [wheel(`${major}.${minorPart + 1}.0rc1`)],
      [`${major}.${minorPart + 2}.0`]: [wheel(`${major}.${minorPart + 2}.0`, { yanked: true })],
      [`${major}.${minorPart + 3}.0`]: [wheel(`${major}.${minorPart + 3}.0`, { requires_python: '>=3.12' })],
      [`${major}.${minorPart + 4}.0`]: [{ filename: `${name}-${major}.${minorPart + 4}.0.tar.gz`, packagetype: 'sdist' }],
      [`${major}.${minorPart + 5}.0`]: [{ ...wheel(`${major}.${minorPart + 5}.0`), filename: `${name.replace(/-/g, '_')}-${major}.${minorPart + 5}.0-cp312-cp312-manylinux_2_17_x86_64.whl` }],
    };
  }
}
