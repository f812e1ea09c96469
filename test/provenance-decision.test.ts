import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitRepo, runScript } from './support/git-fixture';
import { libraryCall } from './support/library';
import { REPO_ROOT } from './support/workflows';

/**
 * What `gh attestation verify --format json` prints, CONSTRUCTED, not
 * recorded from GitHub (no attestation can be made without GitHub's OIDC
 * token): test/fixtures/gh-attestation-verify.json is an array of
 * {attestation: {bundle}, verificationResult: {statement, signature:
 * {certificate}, ...}} with the field names of gh's and sigstore-go's JSON
 * (the statement as protojson writes it, the certificate summary's
 * lowerCamel extension names) and the values `actions/attest` writes for a
 * caller workflow that calls the reusable image workflow. Signatures are
 * placeholders: gh checked them before this policy reads anything.
 */
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = 'acme/ml-platform';
const SIGNER = '.github/workflows/image-build-multi-platform.yaml';
const WORKFLOW = '.github/workflows/edge-build-deployment-image.yaml';
const IMAGE = '123456789012.dkr.ecr.eu-central-1.amazonaws.com/edge-tools';
const FIXTURE = readFileSync(join(REPO_ROOT, 'test/fixtures/gh-attestation-verify.json'), 'utf8');
const STAND_IN_GH = join(REPO_ROOT, 'test/support/stand-in-gh');

/** gh's output for an attestation of DIGEST built from `commit`, edited by `edit`. */
function verified(commit: string, edit: (entry: any) => void = () => {}): string {
  const entries = JSON.parse(FIXTURE.replace(/SUBJECT_DIGEST/g, DIGEST.slice(7)).replace(/SOURCE_COMMIT/g, commit));
  for (const entry of entries) {
    edit(entry);
    entry.attestation.bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(entry.verificationResult.statement)).toString('base64');
  }
  return JSON.stringify(entries);
}

describe('provenance_decision and provenance_step, the check a promotion passes when provenance is enabled', () => {
  let repo: string;
  let onMain: string;
  let offMain: string;

  beforeAll(() => {
    // A checkout as the job has it with fetch-depth 0: main as a remote-tracking branch, a feature commit beside it.
    repo = gitRepo({ 'README.md': 'main\n' });
    onMain = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'update-ref', 'refs/remotes/origin/main', onMain);
    git(repo, 'checkout', '--quiet', '-b', 'feature');
    writeFileSync(join(repo, 'README.md'), 'feature\n');
    git(repo, 'commit', '--quiet', '--all', '--message', 'feature');
    offMain = git(repo, 'rev-parse', 'HEAD').trim();
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  function decide(text: string, digest = DIGEST) {
    const file = join(repo, '.git', 'verified.json');
    writeFileSync(file, text);
    return runScript(libraryCall('provenance.sh', 'provenance_decision', [file, digest, REPOSITORY, SIGNER, WORKFLOW, 'refs/remotes/origin/main']), repo);
  }

  test('accepts an image signed by this repository\'s image workflow, built by the image\'s workflow from a commit in main\'s history', () => {
    const run = decide(verified(onMain));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`Provenance of ${DIGEST} verified: built by ${WORKFLOW} of ${REPOSITORY} (signed by ${SIGNER}) from ${onMain}, in the history of refs/remotes/origin/main\n`);
  });

  test('accepts when one of several attestations passes, e.g. an earlier one from a feature branch', () => {
    const [offEntry] = JSON.parse(verified(offMain));
    const [onEntry] = JSON.parse(verified(onMain));
    expect(decide(JSON.stringify([offEntry, onEntry])).status).toBe(0);
  });

  const statementOf = (e: any) => e.verificationResult.statement;
  test.each<[string, () => [string, string?], string]>([
    ['a commit outside main\'s history', () => [verified(offMain)], 'its source commit OFF_MAIN is not in the history of refs/remotes/origin/main'],
    ['another repository with the same workflow', () => [verified(onMain, (e) => {
      statementOf(e).predicate.buildDefinition.externalParameters.workflow.repository = 'https://github.com/mallory/ml-platform';
    })], 'it was built by https://github.com/mallory/ml-platform, not https://github.com/acme/ml-platform'],
    ['another caller workflow of this repository', () => [verified(onMain, (e) => {
      statementOf(e).predicate.buildDefinition.externalParameters.workflow.path = '.github/workflows/build.yml';
    })], `it was built by the workflow .github/workflows/build.yml, not ${WORKFLOW}`],
    ['another signer workflow of this repository', () => [verified(onMain, (e) => {
      e.verificationResult.signature.certificate.buildSignerURI = 'https://github.com/acme/ml-platform/.github/workflows/release.yml@refs/heads/main';
    })], `it was signed by https://github.com/acme/ml-platform/.github/workflows/release.yml@refs/heads/main, not this repository's ${SIGNER}`],
    ['a statement about another commit than the one the signer ran on', () => [verified(onMain, (e) => {
      e.verificationResult.signature.certificate.sourceRepositoryDigest = 'f'.repeat(40);
    })], `the statement's commit ON_MAIN is not the commit ${'f'.repeat(40)} the signer ran on`],
    ['an attestation about another image', () => [verified(onMain), `sha256:${'cd'.repeat(32)}`], 'the attestation is about another image'],
    ['another predicate', () => [verified(onMain, (e) => { statementOf(e).predicateType = 'https://slsa.dev/provenance/v0.2'; })],
      'the statement is https://slsa.dev/provenance/v0.2, not SLSA provenance v1'],
    ['no source commit', () => [verified(onMain, (e) => { statementOf(e).predicate.buildDefinition.resolvedDependencies = []; })],
      'the statement names no source commit'],
    ['no attestation verified', () => ['[]'], 'gh verified no attestation'],
    ['gh\'s output of another shape', () => ['{"error": "no attestations found"}'], 'gh\'s output is not a JSON list of verified attestations'],
    ['malformed output', () => ['[{"verificationResult": '], 'gh\'s output is not a JSON list of verified attestations'],
    ['an entry without a verification result', () => ['[{"attestation": {}}]'], 'the statement is -, not SLSA provenance v1'],
    ['a line break and a workflow command in the repository, kept on one line', () => [verified(onMain, (e) => {
      statementOf(e).predicate.buildDefinition.externalParameters.workflow.repository = 'x\n::set-output name=promoted::true';
    })], 'it was built by x?::set-output?name?promoted::true, not https://github.com/acme/ml-platform'],
    ['two attestations that both fail, naming the first reason', () => [`[${verified(offMain).slice(1, -1)},${verified(offMain).slice(1, -1)}]`],
      'its source commit OFF_MAIN is not in the history of refs/remotes/origin/main (and 1 more attestations failed too)'],
  ])('refuses %s with one line', (_case, make, message) => {
    const [text, digest] = make();
    const run = decide(text, digest);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`::error title=Provenance::refusing to promote ${digest ?? DIGEST}: ${message.replace('OFF_MAIN', offMain).replace('ON_MAIN', onMain)}\n`);
  });

  /** The step as the workflow runs it, with the stand-in gh first on PATH (and gh's time limit, `timeout`). */
  function step(gh: { output?: string; failure?: string; token?: string; sleep?: string; timeout?: string }, env: Record<string, string> = {}) {
    const output = join(repo, '.git', 'gh-output.json');
    const args = join(repo, '.git', 'gh-args');
    writeFileSync(output, gh.output ?? '');
    writeFileSync(args, '');
    const script = libraryCall('provenance.sh', 'provenance_step');
    const run = runScript(gh.timeout ? script.replace('\n', `\nprovenance_verify_timeout=${gh.timeout}\n`) : script, repo, {
      PATH: `${STAND_IN_GH}:${process.env.PATH}`,
      STANDIN_GH_OUTPUT: output,
      STANDIN_GH_ARGS: args,
      ...(gh.failure ? { STANDIN_GH_FAILURE: gh.failure } : {}),
      ...(gh.sleep ? { STANDIN_GH_SLEEP: gh.sleep } : {}),
      GH_TOKEN: gh.token ?? 'ghs_token',
      GITHUB_REPOSITORY: REPOSITORY,
      CALLER_WORKFLOW_REF: `${REPOSITORY}/${WORKFLOW}@refs/heads/main`,
      SIGNER_WORKFLOW: SIGNER,
      IMAGE_REPOSITORY: IMAGE,
      IMAGE_DIGEST: DIGEST,
      ...env,
    });
    return { ...run, args: readFileSync(args, 'utf8') };
  }

  test('the step asks gh for the image\'s attestations from ECR, signed by the reusable workflow, and records what it verified', () => {
    const run = step({ output: verified(onMain) });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.args.split('\n')).toEqual([
      'attestation', 'verify', `oci://${IMAGE}@${DIGEST}`, '--bundle-from-oci', '--repo', REPOSITORY,
      '--signer-workflow', `${REPOSITORY}/${SIGNER}`, '--format', 'json', '',
    ]);
    expect(run.summary).toBe(`\nProvenance of ${DIGEST} verified: built by ${WORKFLOW} of ${REPOSITORY} (signed by ${SIGNER}) from ${onMain}, in the history of refs/remotes/origin/main.\n`);
  });

  test.each<[string, () => Parameters<typeof step>[0], string]>([
    ['gh finds no attestation (exit 1)', () => ({ failure: '✗ Loading attestations from OCI registry failed\nno attestations found' }),
      `gh attestation verify found no valid attestation signed by ${REPOSITORY}/${SIGNER} (exit 1: ??? Loading attestations from OCI registry failed no attestations found)`],
    ['gh without a token (exit 4)', () => ({ token: '' }),
      `gh attestation verify found no valid attestation signed by ${REPOSITORY}/${SIGNER} (exit 4: To get started with GitHub CLI, please run: gh auth login Alternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token.)`],
    // gh's time limit cut to 1 s here (180 s in the workflow): `timeout` ends it with status 124.
    ['gh does not answer in time', () => ({ output: verified(onMain), sleep: '5', timeout: '1' }),
      `gh attestation verify found no valid attestation signed by ${REPOSITORY}/${SIGNER} (exit 124: no message)`],
    ['a verified attestation that fails the policy', () => ({ output: verified(offMain) }), 'its source commit OFF_MAIN is not in the history of refs/remotes/origin/main'],
  ])('the step fails closed when %s: one ::error line, and the job summary says why', (_case, gh, reason) => {
    const run = step(gh());
    const line = `refusing to promote ${DIGEST}: ${reason.replace('OFF_MAIN', offMain)}`;
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`::error title=Provenance::${line}\n`);
    expect(run.summary).toBe(`\nNot promoted: R${line.slice(1)}. Dispatch with \`rebuild: true\` to build and attest the image again.\n`);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['a caller workflow of another repository', { CALLER_WORKFLOW_REF: `mallory/x/${WORKFLOW}@refs/heads/main` }, /caller workflow/],
    ['a digest that is no sha256 digest', { IMAGE_DIGEST: 'latest' }, /refusing to promote latest: it is not a sha256 digest/],
    ['an image name with a line break', { IMAGE_REPOSITORY: `${IMAGE}\n::warning::x` }, /or image \$'/],
  ])('the step refuses %s before it runs gh', (_case, env, message) => {
    const run = step({ output: verified(onMain) }, env);
    expect(run.status).toBe(1);
    expect(run.args).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(message);
  });
});
