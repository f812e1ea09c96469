import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitRepo, runScript } from './support/git-fixture';
import { libraryCall } from './support/library';
import { REPO_ROOT } from './support/workflows';

/**
 * The bundles here are CONSTRUCTED, not recorded from GitHub: a Sigstore
 * bundle v0.3 whose DSSE envelope carries an in-toto statement of SLSA
 * provenance v1 with the fields `actions/attest` writes for a workflow run
 * (test/fixtures/slsa-provenance-statement.json). Signature and certificate
 * are placeholders: checking them is the verifier's job, not this policy's.
 */
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = 'acme/ml-platform';
const WORKFLOW = '.github/workflows/edge-build-deployment-image.yaml';
const STATEMENT = readFileSync(join(REPO_ROOT, 'test/fixtures/slsa-provenance-statement.json'), 'utf8');

function bundle(commit: string, edit: (statement: any) => void = () => {}): string {
  const statement = JSON.parse(STATEMENT.replace('SUBJECT_DIGEST', DIGEST.slice(7)).replace('SOURCE_COMMIT', commit));
  edit(statement);
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { certificate: { rawBytes: 'Y29uc3RydWN0ZWQ=' }, tlogEntries: [] },
    dsseEnvelope: {
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: 'Y29uc3RydWN0ZWQ=' }],
    },
  });
}

describe('provenance_decision, the policy a promotion applies to the source image\'s attestation', () => {
  let repo: string;
  let onMain: string;
  let offMain: string;

  beforeAll(() => {
    repo = gitRepo({ 'README.md': 'main\n' });
    onMain = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'checkout', '--quiet', '-b', 'feature');
    writeFileSync(join(repo, 'README.md'), 'feature\n');
    git(repo, 'commit', '--quiet', '--all', '--message', 'feature');
    offMain = git(repo, 'rev-parse', 'HEAD').trim();
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  function decide(text: string, digest = DIGEST) {
    const file = join(repo, '.git', 'bundle.json');
    writeFileSync(file, text);
    return runScript(libraryCall('provenance.sh', 'provenance_decision', [file, digest, REPOSITORY, WORKFLOW, 'main']), repo);
  }

  test('accepts an image built by this repository\'s image workflow from a commit in main\'s history', () => {
    const run = decide(bundle(onMain));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`Provenance of ${DIGEST} verified: built by ${WORKFLOW} of ${REPOSITORY} from ${onMain}, in the history of main\n`);
  });

  test.each<[string, () => [string, string?], string]>([
    ['a commit outside main\'s history', () => [bundle(offMain)], 'its source commit OFF_MAIN is not in the history of main'],
    ['another repository with the same workflow', () => [bundle(onMain, (s) => {
      s.predicate.buildDefinition.externalParameters.workflow.repository = 'https://github.com/mallory/ml-platform';
    })], 'it was built by https://github.com/mallory/ml-platform, not https://github.com/acme/ml-platform'],
    ['another workflow of this repository', () => [bundle(onMain, (s) => {
      s.predicate.buildDefinition.externalParameters.workflow.path = '.github/workflows/build.yml';
    })], `it was built by the workflow .github/workflows/build.yml, not ${WORKFLOW}`],
    ['an attestation about another image', () => [bundle(onMain), `sha256:${'cd'.repeat(32)}`], 'the attestation is about another image'],
    ['another predicate', () => [bundle(onMain, (s) => { s.predicateType = 'https://slsa.dev/provenance/v0.2'; })],
      'the statement is https://slsa.dev/provenance/v0.2, not SLSA provenance v1'],
    ['no source commit', () => [bundle(onMain, (s) => { s.predicate.buildDefinition.resolvedDependencies = []; })], 'the statement names no source commit'],
    ['no bundle at all', () => ['{"error": "no attestations found"}'], 'the attestation is not a Sigstore bundle of an in-toto statement'],
    ['a line break and a workflow command in the repository, kept on one line', () => [bundle(onMain, (s) => {
      s.predicate.buildDefinition.externalParameters.workflow.repository = 'x\n::set-output name=promoted::true';
    })], 'it was built by x?::set-output?name?promoted::true, not https://github.com/acme/ml-platform'],
  ])('refuses %s with one line', (_case, make, message) => {
    const [text, digest] = make();
    const run = decide(text, digest);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`::error title=Provenance::refusing to promote ${digest ?? DIGEST}: ${message.replace('OFF_MAIN', offMain)}\n`);
  });
});
