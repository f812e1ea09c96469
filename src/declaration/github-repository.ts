import { Violations } from './violations';

// https://docs.github.com/en/get-started/using-github/github-glossary : owners are 1-39 letters, digits
// and single inner hyphens; repository names are letters, digits, '.', '_' and '-'.
const OWNER = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The GitHub repository whose workflows push the images.
 *
 * It names who may assume the push role: the trust policy matches GitHub's
 * OIDC `sub` claim, which starts with `repo:<owner>/<name>:`. Spell both as
 * GitHub shows them; IAM compares them case-sensitively.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export class GitHubRepository {
  /**
   * @param owner the user or organisation, e.g. `acme`
   * @param name the repository, e.g. `ml-platform`
   */
  public static of(owner: string, name: string): GitHubRepository {
    const v = new Violations();
    if (!OWNER.test(owner)) {
      v.add(`owner '${owner}' is not a GitHub user or organisation name: 1 to 39 letters, digits and single inner '-', e.g. 'acme'`);
    }
    // A '*' or '?' here would widen the trust policy's StringLike match to other repositories.
    if (!NAME.test(name) || name === '.' || name === '..') {
      v.add(`name '${name}' is not a GitHub repository name: 1 to 100 letters, digits, '.', '_' and '-', e.g. 'ml-platform'`);
    }
    v.throwIfAny('Invalid GitHub repository');
    return new GitHubRepository(owner, name);
  }

  private constructor(public readonly owner: string, public readonly name: string) {}

  /** `<owner>/<name>`, as in GitHub's URLs and OIDC claims. */
  public get fullName(): string {
    return `${this.owner}/${this.name}`;
  }
}
