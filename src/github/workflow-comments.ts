import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Component } from 'projen/lib/component';
import * as github from 'projen/lib/github';
import { Project } from 'projen/lib/project';
import { ImageBuildWorkflow } from './image-build-workflow';

/**
 * Writes comments into every workflow of the project, projen's build workflow
 * included: each pinned action's release tag after its `uses:` reference
 * (`uses: actions/checkout@<sha> # v7.0.1`), and, above a step, why it is
 * there (`ImageBuildWorkflow.stepComments`).
 *
 * Why it rewrites the written files: in projen 0.103.25,
 * `GithubWorkflow` creates its own `YamlFile` (no option takes another class,
 * and projen creates the build workflow itself), and `YamlFile` renders
 * `YAML.stringify(JSON.parse(json))`, so nothing inside the workflow object
 * can carry a comment: the string `'<ref> # v7.0.1'` would be written quoted,
 * one broken reference. So the platform creates this component last (in its
 * `preSynthesize`), and in its own `synthesize`, once projen has written
 * every workflow file as usual (marker, overrides and all), a pass over each
 * file's lines adds the comments and writes it back, read-only as it was. A line pass, not a parse and
 * print of the YAML: it changes nothing else by construction (the tests check
 * that the output without its comments is projen's own, byte for byte). A
 * reference overridden to another commit gets no comment rather than a wrong
 * one.
 */
export class WorkflowComments extends Component {
  /** @param versions the release tag of each `owner/repo@<sha>` reference */
  constructor(project: Project, private readonly versions: ReadonlyMap<string, string>) {
    super(project, 'workflow-comments');
  }

  /** Runs once every workflow, including those declared after the platform, is written: this component is the project's last. */
  public override synthesize(): void {
    for (const workflow of github.GitHub.of(this.project)?.workflows ?? []) {
      const file = workflow.file;
      if (!file || !existsSync(file.absolutePath)) {
        continue;
      }
      const steps = workflow instanceof ImageBuildWorkflow ? workflow.stepComments : new Map<string, readonly string[]>();
      const path = file.absolutePath;
      const text = readFileSync(path, 'utf8');
      const commented = commentWorkflow(text, { versions: this.versions, steps });
      if (commented !== text) {
        // Written back with the permissions projen gave it (read-only).
        const permissions = statSync(path).mode % 0o10000;
        chmodSync(path, 0o644);
        writeFileSync(path, commented);
        chmodSync(path, permissions);
      }
    }
  }
}

/** What `commentWorkflow` writes. */
export interface WorkflowCommentText {
  /** The release tag of each `owner/repo@<sha>` reference. */
  readonly versions: ReadonlyMap<string, string>;
  /**
   * Comment lines to write above the step of each name.
   * @default - none
   */
  readonly steps?: ReadonlyMap<string, readonly string[]>;
}

/**
 * `text` with ` # <version>` after every `uses:` reference found in
 * `versions`, and the comment lines of `steps` above the step of that name.
 *
 * projen writes workflows with `YAML.stringify`, so a reference is a plain
 * scalar on a line of its own, `uses: owner/repo@<sha>`, and a step's name
 * opens it, `- name: <name>`. Lines inside a block scalar (a `run: |` script)
 * are data, whatever they read like, and are left alone: a block lasts while
 * lines are indented deeper than its key.
 */
export function commentWorkflow(text: string, comments: WorkflowCommentText): string {
  let blockKeyColumn: number | undefined;
  return text.split('\n').flatMap((line) => {
    const indent = line.length - line.trimStart().length;
    if (blockKeyColumn !== undefined && (line.trim() === '' || indent > blockKeyColumn)) {
      return [line];
    }
    blockKeyColumn = undefined;
    const block = BLOCK_SCALAR_KEY.exec(line);
    if (block) {
      blockKeyColumn = block[1].length;
    }
    const step = STEP_NAME.exec(line);
    const above = step ? (comments.steps?.get(step[2]) ?? []).map((comment) => `${step[1]}# ${comment}`) : [];
    const uses = USES.exec(line);
    const version = uses ? comments.versions.get(uses[1]) : undefined;
    return [...above, version ? `${line} # ${version}` : line];
  }).join('\n');
}

/** A mapping key whose value is a block scalar (`run: |`, `description: >-`); group 1 is what precedes the key. */
const BLOCK_SCALAR_KEY = /^(\s*(?:- )?)[^\s#][^:]*:\s+[|>][-+0-9]*\s*$/;
/** A `uses:` key with a plain scalar value, the reference. */
const USES = /^\s*(?:- )?uses: (\S+)$/;
/** The first line of a step, its name; group 1 is its indentation. */
const STEP_NAME = /^(\s*)- name: (.+)$/;

