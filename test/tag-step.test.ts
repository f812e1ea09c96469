import { readdirSync } from 'node:fs';
import { reusableWorkflow } from './support/image-job';
import { runStep } from './support/runner';
import { stepScript } from './support/workflows';
import { IMAGE_JOB_ID } from '../src/github/image-build-workflow';
import { LIBRARY_DIR } from '../src/shell/library';
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** The environment a runner gives the step for an event. */
function event(name: string, refType: string, refName: string, requested = ''): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: name,
    GITHUB_REF_TYPE: refType,
    GITHUB_REF_NAME: refName,
    GITHUB_SHA: SHA,
    REQUESTED_TAG: requested,
  };
}

const HOSTILE_TAGS: Array<[string, string]> = [
  ['command substitution', '$(touch pwned)'],
  ['command separator', '; touch pwned #'],
  ['backticks', '`touch pwned`'],
  ['a space', 'v1 latest'],
  ['a leading dash', '-v1'],
  ['129 characters', 'a'.repeat(129)],
  ['a slash', 'release/v1'],
  ['a newline and a workflow command', 'v1\n::set-output name=tag::latest'],
  ['a leading dot', '.hidden'],
];

// The tag rules are the platform's, not an image's: the one step of the reusable job, tested once.
describe('the tag step of the image job', () => {
  const script = stepScript(reusableWorkflow(), IMAGE_JOB_ID, 'tag');

  test.each(HOSTILE_TAGS)('a dispatch tag with %s is rejected before anything runs', (_what, requested) => {
    // GIVEN a manual run whose tag input is hostile
    const env = event('workflow_dispatch', 'branch', 'main', requested);
    // WHEN the step runs
    const run = runStep(script, env);
    // THEN it fails with a clear error, executes nothing and writes no tag
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('::error title=Invalid image tag::');
    expect(run.stderr).toContain('is not a valid Docker tag');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(run.workdir)).toEqual([LIBRARY_DIR]);
    expect(run.outputs).toEqual({});
  });

  // A git tag cannot ask for it: only release tags publish, and `npx projen` refuses a release pattern matching a reserved tag.
  test('a dispatch asking for the build cache tag is refused before anything is built', () => {
    // GIVEN a trigger whose tag would overwrite the registry build cache
    const run = runStep(script, event('workflow_dispatch', 'branch', 'main', 'buildcache'));
    // THEN the step fails, names the reserved tag and writes no tag
    expect(run.status).not.toBe(0);
    expect(run.stderr.trimEnd()).toBe('::error title=Reserved image tag::buildcache is reserved for the registry build caches: choose another tag (e.g. v2.0.0)');
    expect(run.outputs).toEqual({});
  });

  test.each([
    ['the smoke test\'s build cache', 'buildcache-smoke-test', 'the registry build caches'],
    ['any tag starting like a build cache', 'buildcache-v2', 'the registry build caches'],
    ['an inputs tag', 'inputs-0123456789abcdef', 'the tags that name an image by its inputs fingerprint'],
  ])('a dispatch asking for %s is refused: the workflows write those tags themselves', (_what, tag, purpose) => {
    const run = runStep(script, event('workflow_dispatch', 'branch', 'main', tag));
    expect(run.status).not.toBe(0);
    expect(run.stderr.trimEnd()).toBe(`::error title=Reserved image tag::${tag} is reserved for ${purpose}: choose another tag (e.g. v2.0.0)`);
    expect(run.outputs).toEqual({});
  });

  test('a tag that only contains a reserved word elsewhere is an ordinary tag', () => {
    const run = runStep(script, event('workflow_dispatch', 'branch', 'main', 'v2-buildcache-inputs-1'));
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ tag: 'v2-buildcache-inputs-1' });
  });

  test('a git tag that is not a valid Docker tag fails the step', () => {
    // GIVEN a pushed git tag with a character Docker forbids
    const run = runStep(script, event('push', 'tag', 'v1.2.3+build.5'));
    // THEN the step fails and writes no tag
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('is not a valid Docker tag');
    expect(run.outputs).toEqual({});
  });
});
