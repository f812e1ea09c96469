import { Component } from 'projen/lib/component';
import type { IResolver } from 'projen/lib/file';
import * as github from 'projen/lib/github';
import { Project } from 'projen/lib/project';
import { YamlFile } from 'projen/lib/yaml';
import { ImageBuildWorkflow } from './image-build-workflow';

/** What `YamlFile.synthesizeContent` is, seen from outside the class. */
interface RendersContent {
  synthesizeContent(resolver: IResolver): string | undefined;
}

/**
 * Writes comments into every workflow of the project, projen's build workflow
 * included: each pinned action's release tag after its `uses:` reference
 * (`uses: actions/checkout@<sha> # v7.0.1`), and, above a step, what its
 * workflow says about it (`ImageBuildWorkflow.stepComments`).
 *
 * Why it wraps the rendering of each workflow file: in projen 0.103.25,
 * `GithubWorkflow` creates its own `YamlFile` (no option takes another class,
 * and projen creates the build workflow itself), and `YamlFile` renders
 * `YAML.stringify(JSON.parse(json))`, so nothing inside the workflow object
 * can carry a comment: the string `'<ref> # v7.0.1'` would be written quoted,
 * one broken reference. `ObjectFile.addOverride` only sets values, and the
 * `GitHubActionsProvider` only maps one reference to another. So, once the
 * file has rendered as usual (marker, overrides and all), a pass over its
 * lines adds the comments. A line pass, not a parse and print of the YAML: it
 * changes nothing else by construction (the tests check that the output
 * without its comments is projen's own, byte for byte) and costs nothing at
 * synthesis. A reference overridden to another commit gets no comment rather
 * than a wrong one.
 */
export class WorkflowComments extends Component {
  private readonly wrapped = new WeakSet<YamlFile>();

  /** @param versions the release tag of each `owner/repo@<sha>` reference */
  constructor(project: Project, private readonly versions: ReadonlyMap<string, string>) {
    super(project, 'workflow-comments');
  }

  /** Runs once every workflow, including those declared after the platform, exists. */
  public override preSynthesize(): void {
    for (const workflow of github.GitHub.of(this.project)?.workflows ?? []) {
      if (workflow.file && !this.wrapped.has(workflow.file)) {
        const steps = workflow instanceof ImageBuildWorkflow ? workflow.stepComments : new Map<string, readonly string[]>();
        this.wrap(workflow.file, steps);
      }
    }
  }

  private wrap(file: YamlFile, steps: ReadonlyMap<string, readonly string[]>): void {
    const target = file as unknown as RendersContent;
    const render = target.synthesizeContent.bind(file);
    target.synthesizeContent = (resolver) => {
      const text = render(resolver);
      return text === undefined ? undefined : commentWorkflow(text, { versions: this.versions, steps });
    };
    this.wrapped.add(file);
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
