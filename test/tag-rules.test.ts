import { rmSync } from 'node:fs';
import { imageJob } from './support/image-job';
import { ownPlatform } from './support/own-declaration';
import { ReleaseRepository, RunRef } from './support/release-checkout';
import { runStep } from './support/runner';

/**
 * The tag rules of README's "Tagging strategy", executed row by row: for each
 * trigger, a checkout of the ref made as the workflow's checkout step makes
 * it, then the job's real tag step and release step under bash with the
 * runner's environment for the event.
 */

// The committed job, called by the first image .projenrc.ts declares: every image's caller passes the same tag rules.
const job = imageJob(ownPlatform().images[0].workflowFileName);
const step = (id: string): any => job.steps.find((s: any) => s.id === id);
const index = (id: string): number => job.steps.findIndex((s: any) => s.id === id);

const branch = (name: string): RunRef => ({ type: 'branch', name });
const tag = (name: string): RunRef => ({ type: 'tag', name });
const push = (ref: RunRef) => ({ event: 'push', ref, requested: '' });
const dispatch = (ref: RunRef, requested = '') => ({ event: 'workflow_dispatch', ref, requested });

type Trigger = ReturnType<typeof push>;
/** What a row expects: the tag, `SHA7` standing for the commit's first 7 digits, or the step that refuses and its one line. */
type Outcome = { tag: string } | { refusedBy: 'tag' | 'release_on_main'; error: string };

const REFUSED = '::error title=Tag not allowed from this ref::';
const NO_BRANCH = 'publishes no image: only main (latest or a dispatch\'s tag), develop (develop-<sha7>) and git tags v* on commits of main do; merge into one of them';
const OFF_MAIN = (release: string, commit: string) => `::error title=Release tag off main::${release} points to commit ${commit}, which is not in the history of main: merge it into main, tag a commit of main, and delete this tag (git push --delete origin ${release})`;

const RULES: Array<[string, Trigger, Outcome]> = [
  ['a push to main', push(branch('main')), { tag: 'latest' }],
  ['a dispatch on main without a tag', dispatch(branch('main')), { tag: 'latest' }],
  ['a dispatch on main with a release tag', dispatch(branch('main'), 'v2.0.0'), { tag: 'v2.0.0' }],
  ['a dispatch on main with another tag', dispatch(branch('main'), 'nightly'), { tag: 'nightly' }],
  ['a dispatch on main with a develop tag', dispatch(branch('main'), 'develop-gpu'),
    { refusedBy: 'tag', error: `${REFUSED}develop-gpu is a develop tag, published only from develop: dispatch on develop, or choose another tag` }],
  ['a push to develop', push(branch('develop')), { tag: 'develop-SHA7' }],
  ['a dispatch on develop without a tag', dispatch(branch('develop')), { tag: 'develop-SHA7' }],
  ['a dispatch on develop with a develop tag', dispatch(branch('develop'), 'develop-gpu'), { tag: 'develop-gpu' }],
  ['a dispatch on develop with latest', dispatch(branch('develop'), 'latest'),
    { refusedBy: 'tag', error: `${REFUSED}latest from develop: latest is published only from main; leave the tag input empty for develop-SHA7, or dispatch on main` }],
  ['a dispatch on develop with a release tag', dispatch(branch('develop'), 'v2.0.0'),
    { refusedBy: 'tag', error: `${REFUSED}v2.0.0 from develop: release tags (v*) are published only from main's history; leave the tag input empty for develop-SHA7, or dispatch on main` }],
  ['a dispatch on develop with another tag', dispatch(branch('develop'), 'nightly'),
    { refusedBy: 'tag', error: `${REFUSED}nightly from develop: develop publishes only develop-* tags; leave the tag input empty for develop-SHA7, or dispatch on main` }],
  ['a push of a release tag on main', push(tag('v1.0.0')), { tag: 'v1.0.0' }],
  ['a push of a release tag on an older commit of main', push(tag('v0.9.0')), { tag: 'v0.9.0' }],
  ['a dispatch on a release tag without a tag', dispatch(tag('v1.0.0')), { tag: 'v1.0.0' }],
  ['a dispatch on a release tag asking for it', dispatch(tag('v1.0.0'), 'v1.0.0'), { tag: 'v1.0.0' }],
  ['a dispatch on a release tag asking for another', dispatch(tag('v1.0.0'), 'v1.0.1'),
    { refusedBy: 'tag', error: `${REFUSED}a dispatch on git tag v1.0.0 publishes v1.0.0, not v1.0.1: leave the tag input empty, or dispatch on main with that tag` }],
  ['a push of a release tag on a feature commit', push(tag('v3.0.0')), { refusedBy: 'release_on_main', error: OFF_MAIN('v3.0.0', 'SHA') }],
  ['a dispatch on a release tag on a feature commit', dispatch(tag('v3.0.0')), { refusedBy: 'release_on_main', error: OFF_MAIN('v3.0.0', 'SHA') }],
  ['a push of a release tag on develop, not merged', push(tag('v1.1.0-rc1')), { refusedBy: 'release_on_main', error: OFF_MAIN('v1.1.0-rc1', 'SHA') }],
  ['a push of a git tag that is no release tag', push(tag('nightly-1')),
    { refusedBy: 'tag', error: `${REFUSED}git tag nightly-1 is not a release tag (v*), the only git tags that publish: tag a commit of main v*` }],
  ['a push to another branch', push(branch('feature/x')), { refusedBy: 'tag', error: `${REFUSED}branch feature/x ${NO_BRANCH}` }],
  ['a dispatch on another branch without a tag', dispatch(branch('feature/x')), { refusedBy: 'tag', error: `${REFUSED}branch feature/x ${NO_BRANCH}` }],
  ['a dispatch on another branch with a tag', dispatch(branch('feature/x'), 'nightly'), { refusedBy: 'tag', error: `${REFUSED}branch feature/x ${NO_BRANCH}` }],
];

describe('the tag rules, run as the image job runs them', () => {
  const repository = new ReleaseRepository();
  afterAll(() => rmSync(repository.dir, { recursive: true, force: true }));

  test.each(RULES)('%s', (_trigger, { event, ref, requested }, outcome) => {
    // GIVEN a checkout of the ref as the job's checkout step makes it, and the runner's environment for the event
    const sha = repository.sha(ref);
    const checkout = repository.checkout(ref, step('checkout'));
    const env = { GITHUB_EVENT_NAME: event, GITHUB_REF_TYPE: ref.type, GITHUB_REF_NAME: ref.name, GITHUB_SHA: sha };
    try {
      // WHEN the tag step runs, and the release step after it
      const tagRun = runStep(step('tag').run, { ...env, REQUESTED_TAG: requested }, { cwd: checkout });
      const releaseRun = tagRun.status === 0
        ? runStep(step('release_on_main').run, { ...env, IMAGE_TAG: tagRun.outputs.tag }, { cwd: checkout })
        : undefined;
      // THEN the run publishes the row's tag, or the row's step refuses it with one line and no tag
      const fill = (text: string) => text.replace('SHA7', sha.slice(0, 7)).replace('SHA', sha);
      if ('tag' in outcome) {
        expect(tagRun.stderr).toBe('');
        expect(tagRun.outputs).toEqual({ tag: fill(outcome.tag) });
        expect({ status: releaseRun?.status, stderr: releaseRun?.stderr }).toEqual({ status: 0, stderr: '' });
      } else if (outcome.refusedBy === 'tag') {
        expect({ status: tagRun.status, stderr: tagRun.stderr, outputs: tagRun.outputs }).toEqual({ status: 1, stderr: `${fill(outcome.error)}\n`, outputs: {} });
      } else {
        expect({ status: releaseRun?.status, stderr: releaseRun?.stderr, outputs: releaseRun?.outputs }).toEqual({ status: 1, stderr: `${fill(outcome.error)}\n`, outputs: {} });
      }
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  test('every refusal comes before the job asks for AWS credentials', () => {
    expect(index('tag')).toBeLessThan(index('credentials'));
    expect(index('release_on_main')).toBeLessThan(index('credentials'));
    expect(step('tag').if).toBeUndefined();
    expect(step('release_on_main').if).toBeUndefined();
  });

  test('a release tag in a shallow checkout fails, naming the history it lacks, instead of guessing', () => {
    // GIVEN a release tag checked out as a branch is, with its one commit
    const ref = tag('v1.0.0');
    const checkout = repository.checkout(ref, { with: { 'fetch-depth': '1' } });
    try {
      // WHEN the release step runs
      const run = runStep(step('release_on_main').run, { GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.0.0', IMAGE_TAG: 'v1.0.0' }, { cwd: checkout });
      // THEN it fails with one line
      expect({ status: run.status, stderr: run.stderr }).toEqual({
        status: 1,
        stderr: '::error title=Cannot check the release::the checkout lacks the history of main (refs/remotes/origin/main), so v1.0.0 cannot be checked: check out with fetch-depth 0\n',
      });
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
