import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './support/local-checkout';
import { REPO_ROOT } from './support/workflows';

/** A jest-junit report with these counts, as jest writes it. */
function junit(tests: number, failures: number): string {
  const cases = Array.from({ length: tests }, (_, i) => i < failures
    ? `<testcase name="t${i}"><failure>boom</failure></testcase>` : `<testcase name="t${i}"></testcase>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="${tests}" failures="${failures}" errors="0" time="1">\n${cases.join('\n')}\n</testsuites>\n`;
}

/**
 * Runs the real .ci/run in a scratch repository where `.ci/install` does
 * nothing, Node 24 is a wrapper that reports itself as v24, and `npx` stands
 * in for projen: synthesis changes nothing, and the test task records the
 * Node it ran on and writes a jest report with the counts given for the run
 * that has .cache/node24 first on PATH and for the other.
 */
function ciRun(results: { thisMachine: [number, number]; node24: [number, number] | 'missing' }) {
  const repo = mkdtempSync(join(tmpdir(), 'ci-run-'));
  try {
    mkdirSync(join(repo, '.ci'));
    copyFileSync(join(REPO_ROOT, '.ci', 'run'), join(repo, '.ci', 'run'));
    writeFileSync(join(repo, '.ci', 'install'), '#!/usr/bin/env bash\n', { mode: 0o755 });
    writeFileSync(join(repo, '.gitignore'), '.cache\ntest-reports\nbin\nnode-versions\n');
    if (results.node24 !== 'missing') {
      mkdirSync(join(repo, '.cache', 'node24', 'bin'), { recursive: true });
      writeFileSync(join(repo, '.cache', 'node24', 'bin', 'node'),
        `#!/bin/sh\nif [ "$1" = --version ]; then echo v24.21.0; exit 0; fi\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
    }
    const [tests24, failed24] = results.node24 === 'missing' ? [0, 0] : results.node24;
    mkdirSync(join(repo, 'bin'));
    writeFileSync(join(repo, 'bin', 'npx'), [
      '#!/usr/bin/env bash',
      '[[ "$*" == "projen" ]] && exit 0',
      '[[ "$*" == "projen test" ]] || { echo "unexpected npx $*" >&2; exit 97; }',
      'version=$(node --version); echo "$version" >> node-versions',
      'mkdir -p test-reports',
      `if [[ "$(command -v node)" == "$PWD/.cache/node24/bin/node" ]]; then printf '%s' '${junit(tests24, failed24)}' > test-reports/junit.xml; exit ${failed24 > 0 ? 1 : 0}; fi`,
      `printf '%s' '${junit(...results.thisMachine)}' > test-reports/junit.xml; exit ${results.thisMachine[1] > 0 ? 1 : 0}`,
      '',
    ].join('\n'));
    chmodSync(join(repo, 'bin', 'npx'), 0o755);
    git(repo, 'init', '--quiet');
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '--message', 'ci');
    const run = spawnSync('bash', ['.ci/run'], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: `${join(repo, 'bin')}:${process.env.PATH}`, HOME: repo },
    });
    const versions = readFileSync(join(repo, 'node-versions'), 'utf8').trim().split('\n');
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, lastLine: run.stdout.trimEnd().split('\n').pop(), versions };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

describe('.ci/run', () => {
  test('runs the README\'s test command on this machine\'s Node, then on Node 24, and sums both in one line', () => {
    // WHEN both runs pass
    const run = ciRun({ thisMachine: [5, 0], node24: [5, 0] });
    // THEN the second run really ran on Node 24, and the last line counts both
    expect(run.versions).toEqual([process.version, 'v24.21.0']);
    expect(run.lastLine).toBe('10 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  test.each<[string, { thisMachine: [number, number]; node24: [number, number] }, string]>([
    ['the Node 24 run', { thisMachine: [5, 0], node24: [5, 2] }, '8 passed, 2 failed'],
    ['the first run', { thisMachine: [5, 1], node24: [5, 0] }, '9 passed, 1 failed'],
  ])('fails when %s fails, still running and counting both', (_which, results, line) => {
    const run = ciRun(results);
    expect(run.versions).toHaveLength(2);
    expect(run.lastLine).toBe(line);
    expect(run.status).not.toBe(0);
  });

  test('fails, naming the fix, when Node 24 was not installed', () => {
    const run = ciRun({ thisMachine: [5, 0], node24: 'missing' });
    expect(run.versions).toHaveLength(1);
    expect(run.stderr).toContain('Node 24 is not in');
    expect(run.stderr).toContain('run .ci/install');
    expect(run.status).not.toBe(0);
  });
});
