import { OptionKeys, optional, required } from './option-keys';
import { SubjectFormat } from './subject-format';
import { DeclarationError, Violations } from './violations';

// https://docs.github.com/en/get-started/using-github/github-glossary : owners are 1-39 letters, digits
// and single inner hyphens; repository names are letters, digits, '.', '_' and '-'.
const OWNER = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** The numeric IDs and subject form of a GitHub repository. */
export interface GitHubRepositoryOptions {
  /**
   * The owner's (user's or organisation's) numeric ID, which GitHub never
   * changes nor gives to another account: `.owner.id` of
   * `gh api repos/OWNER/REPO`.
   * @see https://docs.github.com/en/rest/repos/repos#get-a-repository
   */
  readonly ownerId: number;
  /**
   * The repository's numeric ID: `.id` of `gh api repos/OWNER/REPO`.
   * @see https://docs.github.com/en/rest/repos/repos#get-a-repository
   */
  readonly repositoryId: number;
  /**
   * Which form of the OIDC `sub` claim the repository's runs carry: the
   * trust policy accepts exactly that form.
   * @default SubjectFormat.immutable() - `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, GitHub's default since 2026-07-15
   * @see https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims
   */
  readonly subjectFormat?: SubjectFormat;
}

// The values are checked below, with the command that reads the right ones.
const GITHUB_REPOSITORY_OPTION_KEYS = new OptionKeys<GitHubRepositoryOptions>('GitHubRepositoryOptions', {
  ownerId: required(),
  repositoryId: required(),
  subjectFormat: optional(),
});

/**
 * The GitHub repository whose workflows push the images.
 *
 * It names who may assume the push role: the trust policy matches GitHub's
 * OIDC `sub` claim, which starts with `repo:OWNER@OWNER_ID/REPO@REPO_ID:` (or
 * `repo:OWNER/REPO:` in the name-only form, see `SubjectFormat`). Spell the
 * names as GitHub shows them; IAM compares them case-sensitively.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export class GitHubRepository {
  /**
   * @param owner the user or organisation, e.g. `acme`
   * @param name the repository, e.g. `ml-platform`
   * @param options its numeric IDs, from `gh api repos/OWNER/REPO --jq '.owner.id, .id'`
   */
  public static of(owner: string, name: string, options: GitHubRepositoryOptions): GitHubRepository {
    const v = new Violations();
    if (!OWNER.test(owner)) {
      v.add(`owner '${owner}' is not a GitHub user or organisation name: 1 to 39 letters, digits and single inner '-', e.g. 'acme'`);
    }
    // A '*' or '?' here would widen the trust policy's StringLike match to other repositories.
    if (!NAME.test(name) || name === '.' || name === '..') {
      v.add(`name '${name}' is not a GitHub repository name: 1 to 100 letters, digits, '.', '_' and '-', e.g. 'ml-platform'`);
    }
    // .projenrc.ts is transpiled, not type-checked, at synthesis: a missing or quoted ID arrives here.
    const ids = options ?? {};
    // A misspelled ID is reported as the typo it is, not also as a missing ID.
    const typos = GITHUB_REPOSITORY_OPTION_KEYS.unknownKeys(ids, `GitHubRepository.of('${owner}', '${name}')`);
    if (typos.length > 0) {
      throw new DeclarationError(typos.join('\n'));
    }
    const lookup = `read both with \`gh api repos/${owner}/${name} --jq '.owner.id, .id'\``;
    v.add(idViolation('ownerId', ids.ownerId, 'the owner\'s numeric ID', lookup));
    v.add(idViolation('repositoryId', ids.repositoryId, 'the repository\'s numeric ID', lookup));
    if (ids.subjectFormat !== undefined && !(ids.subjectFormat instanceof SubjectFormat)) {
      v.add(`subjectFormat ${shown(ids.subjectFormat)} is not a subject format: use SubjectFormat.immutable(), SubjectFormat.nameOnly() or SubjectFormat.migrating()`);
    }
    v.throwIfAny(`Invalid GitHub repository ${owner}/${name}`);
    return new GitHubRepository(owner, name, ids.ownerId, ids.repositoryId, ids.subjectFormat ?? SubjectFormat.immutable());
  }

  private constructor(
    public readonly owner: string,
    public readonly name: string,
    /** The owner's numeric ID. */
    public readonly ownerId: number,
    /** The repository's numeric ID. */
    public readonly repositoryId: number,
    /** The form of the `sub` claim the trust policy accepts. */
    public readonly subjectFormat: SubjectFormat,
  ) {}

  /** `<owner>/<name>`, as in GitHub's URLs. */
  public get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  /**
   * The `repo:` part of the `sub` claim, up to the `:` before the context,
   * in each form the subject format accepts: immutable first.
   *
   * A StringLike pattern that continues one of these with `:` cannot match
   * another repository: names and IDs contain no `:`, `/` or `@`, so
   * `repo:acme@12/` never matches `repo:acme@123/`, nor `repo:acme/ml:` `repo:acme/ml-x:`.
   */
  public get subjectRepos(): string[] {
    return [
      ...(this.subjectFormat.immutable ? [`repo:${this.owner}@${this.ownerId}/${this.name}@${this.repositoryId}`] : []),
      ...(this.subjectFormat.nameOnly ? [`repo:${this.owner}/${this.name}`] : []),
    ];
  }
}

function idViolation(field: string, value: unknown, what: string, lookup: string): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    return undefined;
  }
  return `${field} ${shown(value)} is not ${what}: a positive whole number; ${lookup}`;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
