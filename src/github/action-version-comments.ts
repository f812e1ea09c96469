import { Component, github, IResolver, Project, YamlFile } from 'projen';
import { isScalar, parseDocument, visit } from 'yaml';

/** What `YamlFile.synthesizeContent` is, seen from outside the class. */
interface RendersContent {
  synthesizeContent(resolver: IResolver): string | undefined;
}

/**
 * Writes each pinned action's release tag as a YAML comment after its `uses:`
 * reference, in every workflow of the project, projen's build workflow
 * included: `uses: actions/checkout@<sha> # v7.0.1`.
 *
 * Why it wraps the rendering of each workflow file: in projen 0.103.25,
 * `GithubWorkflow` creates its own `YamlFile` (no option takes another class,
 * and projen creates the build workflow itself), and `YamlFile` renders
 * `YAML.stringify(JSON.parse(json))`, so nothing inside the workflow object
 * can carry a comment: the string `'<ref> # v7.0.1'` would be written quoted,
 * one broken reference. `ObjectFile.addOverride` only sets values, and the
 * `GitHubActionsProvider` only maps one reference to another. So, once the
 * file has rendered as usual (marker, overrides and all), its text is parsed
 * into a `yaml` Document, each `uses:` value that is a reference from the
 * table gets its version as a line comment, and the Document is printed with
 * the options `YamlFile` uses. Nothing else changes: the tests check that the
 * output without its comments is projen's own, byte for byte. A reference
 * overridden to another commit gets no comment rather than a wrong one.
 */
export class ActionVersionComments extends Component {
  private readonly wrapped = new WeakSet<YamlFile>();

  /** @param versions the release tag of each `owner/repo@<sha>` reference */
  constructor(project: Project, private readonly versions: ReadonlyMap<string, string>) {
    super(project, 'action-version-comments');
  }

  /** Runs once every workflow, including those declared after the platform, exists. */
  public override preSynthesize(): void {
    for (const workflow of github.GitHub.of(this.project)?.workflows ?? []) {
      if (workflow.file && !this.wrapped.has(workflow.file)) {
        this.wrap(workflow.file);
      }
    }
  }

  private wrap(file: YamlFile): void {
    const target = file as unknown as RendersContent;
    const render = target.synthesizeContent.bind(file);
    target.synthesizeContent = (resolver) => {
      const text = render(resolver);
      return text === undefined ? undefined : commentVersions(text, this.versions, file.lineWidth);
    };
    this.wrapped.add(file);
  }
}

/** `text` with a `# <version>` comment after every `uses:` reference found in `versions`. */
export function commentVersions(text: string, versions: ReadonlyMap<string, string>, lineWidth = 0): string {
  const doc = parseDocument(text);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const version = versions.get(String(pair.value.value));
        if (version) {
          pair.value.comment = ` ${version}`;
        }
      }
    },
  });
  return doc.toString({ indent: 2, lineWidth });
}
