import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitRepo, runScript, writeFiles } from './support/git-fixture';
import { loadWorkflow, readWorkflowText, REPO_ROOT, stepScript } from './support/workflows';
import type { PinsLock } from '../src/pins/lock-file';
import { UPGRADE_BRANCH } from '../src/pins/upgrade-workflow';

const FILE = 'upgrade-pins.yml';
const workflow = loadWorkflow(FILE);
const lock: PinsLock = JSON.parse(readFileSync(join(REPO_ROOT, 'pins.lock.json'), 'utf8'));

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
    const run = runScript(stepScript(workflow, 'upgrade', 'patch'), repo, { PLAN_FILE: plan, MAX_BYTES: maxBytes, GITHUB_OUTPUT: output });
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

    const apply = runScript(stepScript(workflow, 'pr', 'apply_the_patch'), clone, { PATCH: outputs.patch });
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
    const run = runScript(stepScript(workflow, 'pr', 'push_the_branch'), repo, { GH_TOKEN: '', BRANCH: UPGRADE_BRANCH });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('::error title=Upgrade::the PROJEN_GITHUB_TOKEN secret is not set: see the README, \'The weekly upgrade\'\n');
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toContain('[user]');
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
