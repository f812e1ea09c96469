import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitRepo, runScript, writeFiles } from './support/git-fixture';
import { libraryCall } from './support/library';
import { loadWorkflow, readWorkflowText, REPO_ROOT, stepScript } from './support/workflows';
import type { PinsLock } from '../src/pins/lock-file';
import { UPGRADE_BRANCH } from '../src/pins/upgrade-workflow';

const FILE = 'upgrade-pins.yml';
const workflow = loadWorkflow(FILE);
const lock: PinsLock = JSON.parse(readFileSync(join(REPO_ROOT, 'pins.lock.json'), 'utf8'));
/** The env of the one step of a job that calls the library. */
const stepEnv = (job: string, id: string): Record<string, string> => workflow.jobs[job].steps.find((s: any) => s.id === id).env;
const call = (fn: string, args: string[] = []) => libraryCall('upgrade.sh', fn, args);

test('each job runs its function of image-build/upgrade.sh in one step, under bash with pipefail', () => {
  expect(stepScript(workflow, 'upgrade', 'patch')).toBe('source image-build/upgrade.sh && upgrade_step \'upgrade\'');
  expect(stepScript(workflow, 'pr', 'pull_request')).toBe('source image-build/upgrade.sh && upgrade_step \'pr\'');
  expect(Object.values<any>(workflow.jobs).map((job) => job.defaults)).toEqual([{ run: { shell: 'bash' } }, { run: { shell: 'bash' } }]);
  const run = runScript(call('upgrade_step', ['deploy']), tmpdir());
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('::error title=Upgrade::upgrade_step deploy: expected upgrade or pr\n');
});

test('it runs weekly and by hand, one run at a time', () => {
  expect(workflow.on).toEqual({ schedule: [{ cron: '17 5 * * 1' }], workflow_dispatch: {} });
  expect(workflow.concurrency).toEqual({ 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
});

test('each job reads the repository only; the pull request job writes with the secret\'s token, never GITHUB_TOKEN', () => {
  expect(workflow.permissions).toBeUndefined();
  expect(Object.fromEntries(Object.entries<any>(workflow.jobs).map(([id, job]) => [id, job.permissions])))
    .toEqual({ upgrade: { contents: 'read' }, pr: { contents: 'read' } });
  expect(workflow.jobs.pr.needs).toBe('upgrade');
  expect(workflow.jobs.pr.if).toBe('needs.upgrade.outputs.patch != \'\'');
  const secrets = [...readWorkflowText(FILE).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);
  expect(new Set(secrets)).toEqual(new Set(['PROJEN_GITHUB_TOKEN']));
  // The job that runs npm's install scripts holds no secret and no write token.
  expect(JSON.stringify(workflow.jobs.upgrade)).not.toContain('secrets.');
  expect(JSON.stringify(workflow.jobs.pr)).not.toContain('github.token');
});

test('every action is the locked commit with its release tag as a comment', () => {
  const uses = [...readWorkflowText(FILE).matchAll(/uses: (\S+)@(\S+) # (\S+)\n/g)].map((m) => [m[1], m[2], m[3]]);
  expect(uses.length).toBe(readWorkflowText(FILE).split('uses:').length - 1);
  for (const [action, commit, tag] of uses) {
    expect({ action, commit, tag }).toEqual({ action, commit: lock.actions[action].commit, tag: lock.actions[action].tag });
  }
});

test('every value reaches a run: script through env, never through an expression in the script', () => {
  for (const job of Object.values<any>(workflow.jobs)) {
    for (const step of job.steps.filter((s: any) => s.run)) {
      expect(step.run).not.toContain('${{');
    }
  }
});

describe('the upgrade job installs, upgrades and makes the patch, in that order', () => {
  let repo: string;
  let out: string;
  beforeEach(() => {
    repo = gitRepo({ 'pins.lock.json': '{"old": true}\n' });
    out = mkdtempSync(join(tmpdir(), 'upgrade-job-'));
    // npm and npx stand-ins that log their arguments and whether they saw the token; upgrade-pins writes the lock and the plan
    mkdirSync(join(out, 'bin'));
    writeFiles(out, {
      'bin/npm': '#!/bin/bash\necho "npm $* token=${GITHUB_TOKEN:-none}" >> "$LOG"\n',
      'bin/npx': [
        '#!/bin/bash',
        'echo "npx $* token=${GITHUB_TOKEN:-none}" >> "$LOG"',
        'if [[ "$2" == upgrade-pins ]]; then',
        '  [[ -z "${FAIL_PINS:-}" ]] || exit 1',
        '  printf \'{"new": true}\\n\' > pins.lock.json; printf \'## Pinned inputs\\n\' > "$4"',
        'fi',
        '',
      ].join('\n'),
    });
    chmodSync(join(out, 'bin/npm'), 0o755);
    chmodSync(join(out, 'bin/npx'), 0o755);
  });
  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  const upgradeJob = (env: Record<string, string> = {}) => {
    const output = join(out, 'output');
    writeFileSync(output, '');
    writeFileSync(join(out, 'log'), '');
    const run = runScript(call('upgrade_step', ['upgrade']), repo, {
      ...stepEnv('upgrade', 'patch'),
      PATH: `${join(out, 'bin')}:${process.env.PATH}`,
      GITHUB_TOKEN: 'read-token',
      PLAN_FILE: join(out, 'plan.md'),
      GITHUB_OUTPUT: output,
      LOG: join(out, 'log'),
      ...env,
    });
    return { run, log: readFileSync(join(out, 'log'), 'utf8'), output: readFileSync(output, 'utf8') };
  };

  test('only upgrade-pins gets the read token; npm ci and projen\'s npm upgrade, which run install scripts, do not', () => {
    const { run, log, output } = upgradeJob();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(log).toBe([
      'npm ci token=none',
      `npx projen upgrade-pins --plan-file ${join(out, 'plan.md')} token=read-token`,
      'npx projen upgrade token=none',
      '',
    ].join('\n'));
    expect(run.stdout.match(/^::group::.*$/gm)).toEqual(['::group::Install dependencies', '::group::Upgrade pinned inputs', '::group::Upgrade npm dependencies']);
    expect(output).toMatch(/^patch=[A-Za-z0-9+/=]+\nplan=[A-Za-z0-9+/=]+\n$/);
  });

  test('a failing upgrade-pins ends the job there: no npm upgrade, no patch', () => {
    const { run, log, output } = upgradeJob({ FAIL_PINS: '1' });
    expect(run.status).toBe(1);
    expect(log.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['npm ci token=none', 'npx projen upgrade-pins']);
    expect(output).toBe('');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });
});

describe('the patch travels from the upgrade job to the pull request job', () => {
  let repo: string;
  let out: string;
  beforeEach(() => {
    repo = gitRepo({ 'pins.lock.json': '{"old": true}\n', 'gone.txt': 'x\n', 'docker/a.build-args': 'BASE_IMAGE=python:3.11-slim\n' });
    out = mkdtempSync(join(tmpdir(), 'upgrade-out-'));
  });
  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  function createPatch(maxBytes = '900000') {
    const output = join(out, 'output');
    const plan = join(out, 'plan.md');
    writeFileSync(output, '');
    writeFileSync(plan, '## Pinned inputs\n\n- **a** rebuilds\n');
    const run = runScript(call('upgrade_patch'), repo, { PLAN_FILE: plan, MAX_BYTES: maxBytes, GITHUB_OUTPUT: output });
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter((l) => l).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { run, outputs };
  }

  test('new, changed, deleted and binary files arrive as they were made, with the plan', () => {
    const base = git(repo, 'rev-parse', 'HEAD').trim();
    const clone = join(out, 'clone');
    git(out, 'clone', '--quiet', repo, clone);
    writeFiles(repo, { 'pins.lock.json': '{"new": true}\n', 'gone.txt': null, 'docker/new.bin': '\u0000\u0001binary\u00ff' });
    const { run, outputs } = createPatch();
    expect(run.status).toBe(0);
    const made = git(repo, 'diff', '--cached', '--binary', base);

    const apply = runScript(call('upgrade_apply'), clone, { PATCH: outputs.patch });
    expect(apply.stderr).toBe('');
    expect(apply.status).toBe(0);
    expect(git(clone, 'diff', '--cached', '--binary', base)).toBe(made);
    expect(readFileSync(join(clone, 'docker/new.bin'))).toEqual(readFileSync(join(repo, 'docker/new.bin')));

    const decode = runScript('printf \'%s\' "$PLAN" | base64 -d | gunzip', out, { PLAN: outputs.plan });
    expect(decode.stdout).toBe('## Pinned inputs\n\n- **a** rebuilds\n');
  });

  test('with nothing upgraded there is no patch, so no pull request job runs', () => {
    const { run, outputs } = createPatch();
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('Nothing to upgrade.\n');
    expect(outputs).toEqual({});
  });

  test('a patch too large for a job output fails with one line saying what to do', () => {
    writeFiles(repo, { 'pins.lock.json': `${'{"new": true}'.repeat(50)}\n` });
    const { run, outputs } = createPatch('10');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error title=Upgrade::the change is \d+ bytes compressed, more than a job output holds; run npx projen upgrade-pins and npx projen upgrade locally and open the pull request by hand\n$/);
    expect(outputs).toEqual({});
  });
});

test('without the token secret the pull request job stops with one line naming the secret, before any git command', () => {
  const repo = gitRepo({ 'a.txt': 'a\n' });
  try {
    const env = stepEnv('pr', 'pull_request');
    expect(env).toMatchObject({ GH_TOKEN: '${{ secrets.PROJEN_GITHUB_TOKEN }}', TOKEN_SECRET: 'PROJEN_GITHUB_TOKEN', BRANCH: UPGRADE_BRANCH });
    const run = runScript(call('upgrade_push'), repo, { ...env, GH_TOKEN: '' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('::error title=Upgrade::the PROJEN_GITHUB_TOKEN secret is not set: see the README, \'The weekly upgrade\'\n');
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toContain('[user]');
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
