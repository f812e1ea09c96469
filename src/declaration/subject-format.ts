/**
 * Which form of GitHub's OIDC `sub` claim a repository's workflow runs carry,
 * and therefore which forms the role's trust policy accepts.
 *
 * GitHub's default subject names the repository either by its names alone,
 * `repo:OWNER/REPO:ref:refs/heads/main`, or by its names and immutable numeric
 * IDs, `repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/main`. Repositories
 * created, renamed or transferred since 2026-07-15 use the immutable form;
 * older ones keep the name-only form until someone opts them in. A trust policy
 * that expects the other form makes STS refuse every run ("Not authorized to
 * perform sts:AssumeRoleWithWebIdentity"). The immutable form also survives a
 * recycled name: an account that later takes the owner's or the repository's
 * name gets other IDs.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims
 * @see https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens/
 * @see https://github.com/aws-actions/configure-aws-credentials#immutable-subject-claims
 */
export class SubjectFormat {
  /**
   * `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` only: GitHub's default for a
   * repository created, renamed or transferred since 2026-07-15, or one opted
   * in to immutable subject claims.
   */
  public static immutable(): SubjectFormat {
    return new SubjectFormat(true, false,
      'the immutable form `repo:<owner>@<owner id>/<name>@<repository id>:…`');
  }

  /**
   * `repo:OWNER/REPO:…` only: a repository created before 2026-07-15 that
   * has not opted in to immutable subject claims. A later owner of the same
   * names could mint matching tokens; prefer `migrating()` then `immutable()`.
   */
  public static nameOnly(): SubjectFormat {
    return new SubjectFormat(false, true,
      'the name-only form `repo:<owner>/<name>:…` (a repository that has not opted in to immutable subjects)');
  }

  /**
   * Both forms, for the time between updating the trust policy and switching
   * the repository to immutable subjects (or a rename or transfer, which
   * switches it). Declare `immutable()` once its runs carry the immutable form.
   */
  public static migrating(): SubjectFormat {
    return new SubjectFormat(true, true,
      'both the immutable form `repo:<owner>@<owner id>/<name>@<repository id>:…` and the name-only form `repo:<owner>/<name>:…`, while the repository migrates');
  }

  private constructor(
    /** Whether the trust policy accepts `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`. */
    public readonly immutable: boolean,
    /** Whether the trust policy accepts `repo:OWNER/REPO:…`. */
    public readonly nameOnly: boolean,
    /** How documentation names the accepted forms. */
    public readonly description: string,
  ) {}
}
