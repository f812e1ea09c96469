import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './workflows';
import { PINS_LOCK_FILE } from '../../src/pins/lock-file';

/** What GitHub's parser and language service report on one workflow file, as `line:column message` lines. */
export interface GitHubFindings {
  /** `parseWorkflow` then `convertWorkflowTemplate`: what GitHub does when it loads the workflow. */
  readonly parser: string[];
  /** `validate` of @actions/languageservice, with each action's inputs from the lock. */
  readonly languageService: string[];
}

/**
 * Runs GitHub's own workflow parser and language service
 * (`github-parser.mjs`, in a Node process of its own: both packages are
 * ES modules only) on workflow files below `root`, whose local reusable
 * workflows are read from `root` too.
 *
 * @param files paths of workflow files, absolute or relative to `root`
 * @returns the findings of each file, by its path relative to `root`
 */
export function githubWorkflowCheck(
  root: string, files: readonly string[], lockPath = join(REPO_ROOT, PINS_LOCK_FILE),
): Record<string, GitHubFindings> {
  const result = spawnSync(process.execPath, [join(__dirname, 'github-parser.mjs'), root, lockPath, ...files.map((f) => resolve(root, f))], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`github-parser.mjs exited with ${result.status ?? result.signal}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}
