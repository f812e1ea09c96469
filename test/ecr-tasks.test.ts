import * as ecrSdk from '@aws-sdk/client-ecr';
import { committedManifest, committedOperatorPolicy, fixtureEcr, manifestFile } from './support/ecr';
import { EcrServer } from './support/ecr-server';
import { declaredNames, localAwsEnv, runEcrTask, taskLines } from './support/ecr-tasks';
import type { EcrManifest } from '../src/aws/ecr-manifest';
import type { PolicyDocument } from '../src/aws/iam-policies';
import { CALL_DEADLINE_MS } from '../src/ecr/client';

/**
 * `npx projen ecr:ensure` and `ecr:status` as an operator runs them: real
 * processes, the real SDK, dummy keys and no profile files, against a local
 * ECR reached through AWS_ENDPOINT_URL_ECR that enforces the generated
 * operator policy, so every request below was also one the policy allows.
 * The first test runs the tasks on this repository's committed manifest, as
 * they run by default; the others pass a fixture declaration's manifest
 * (support/ecr.ts) with `--manifest`, so they may spell out its values.
 */

const fixture = fixtureEcr();
const manifest = fixture.manifest;
const MANIFEST = ['--manifest', manifestFile(manifest)];
const declared = declaredNames(manifest);
const ACCOUNT = manifest.registry.account;
const OTHER_ACCOUNT = '777788889999';

let server: EcrServer;
async function startServer(callerAccount = ACCOUNT, of: { manifest: EcrManifest; operatorPolicy: PolicyDocument } = fixture): Promise<string> {
  server = new EcrServer({ region: of.manifest.registry.region, callerAccount, identityPolicy: of.operatorPolicy });
  return server.start();
}
afterEach(async () => server?.stop());

/** The members of an operation's input, from the SDK's own schema of ECR's API. */
function inputMembers(operation: string): string[] {
  const schema = (ecrSdk as unknown as Record<string, unknown[]>)[`${operation}Request$`];
  if (!Array.isArray(schema) || !Array.isArray(schema[4])) {
    throw new Error(`the SDK has no input schema for ${operation}`);
  }
  return schema[4] as string[];
}

describe('ecr:ensure as a process', () => {
  test('creates the repositories .projenrc.ts declares, and a second run writes nothing', async () => {
    // GIVEN an empty registry of the committed manifest's account, next to another team's repository
    const committed = { manifest: committedManifest(), operatorPolicy: committedOperatorPolicy() };
    const names = declaredNames(committed.manifest);
    const env = localAwsEnv(await startServer(committed.manifest.registry.account, committed));
    server.addRepository('someone-elses-service', { imageTagMutability: 'IMMUTABLE' });
    // WHEN the tasks run as they do by default, on the manifest npx projen wrote
    const first = await runEcrTask('ecr:ensure', [], env);
    const writesOfFirst = server.writes().length;
    const second = await runEcrTask('ecr:ensure', [], env);
    // THEN the first run creates every declared repository, with its lifecycle policy, the second finds nothing to do
    expect(taskLines(first.stderr)).toEqual([]);
    expect(first.status).toBe(0);
    expect(taskLines(first.stdout).at(-1)).toBe(`Changed ${names.length} of ${names.length} repositories.`);
    expect(server.repositoryNames()).toEqual([...names, 'someone-elses-service'].sort());
    expect(writesOfFirst).toBe(2 * names.length);
    expect(second.status).toBe(0);
    expect(taskLines(second.stdout).at(-1)).toBe(`Nothing to change: all ${names.length} declared repositories match .projenrc.ts.`);
    expect(server.writes()).toHaveLength(writesOfFirst);
    // AND no request named anything but a declared repository
    expect(server.repositoriesNamed()).toEqual([...names].sort());
  });

  test('leaves the inputs tags movable, so a forced rebuild moves one to its fresh build, while a release tag never moves', async () => {
    // GIVEN a repository ecr:ensure set up, and an image released as v1.0.0 with its inputs tag
    const env = localAwsEnv(await startServer());
    expect((await runEcrTask('ecr:ensure', MANIFEST, env)).status).toBe(0);
    const [repository] = declared;
    const released = server.pushImage(repository, { tags: ['v1.0.0', 'inputs-0123456789abcdef'], manifest: '{"build":1}' });
    // WHEN a dispatch with rebuild builds the same inputs again and pushes the inputs tag
    const rebuilt = server.pushImage(repository, { tags: ['inputs-0123456789abcdef'], manifest: '{"build":2}' });
    // THEN ECR moved the inputs tag to the fresh build, and v1.0.0 still names the release
    expect(rebuilt.digest).not.toBe(released.digest);
    const tagged = (tag: string) => server.repository(repository)!.images.find((i) => i.tags.includes(tag))!.digest;
    expect(tagged('inputs-0123456789abcdef')).toBe(rebuilt.digest);
    expect(tagged('v1.0.0')).toBe(released.digest);
    // AND pushing v1.0.0 onto another image is refused, as ECR refuses an immutable tag
    expect(() => server.pushImage(repository, { tags: ['v1.0.0'], manifest: '{"build":3}' })).toThrow(/ImageTagAlreadyExists|already exists/);
  });

  test('every request is signed for the declared region and names the declared account wherever ECR accepts one', async () => {
    // GIVEN runs that send every call the operator policy allows: create, repair a repository changed by hand, show
    const env = localAwsEnv(await startServer());
    await runEcrTask('ecr:ensure', MANIFEST, env);
    Object.assign(server.repository('sample-training-images')!, {
      scanOnPush: false, imageTagMutability: 'MUTABLE', exclusionFilters: [], lifecyclePolicyText: '{"rules":[]}',
    });
    await runEcrTask('ecr:ensure', MANIFEST, env);
    await runEcrTask('ecr:status', MANIFEST, env);
    const granted = fixture.operatorPolicy.Statement.flatMap((s) => [s.Action].flat()).map((a) => a.replace(/^ecr:/, ''));
    expect([...new Set(server.operations())].sort()).toEqual(granted.sort());
    // THEN
    for (const request of server.requests) {
      expect({ op: request.operation, region: request.signedRegion }).toEqual({ op: request.operation, region: manifest.registry.region });
      const expected = inputMembers(request.operation).includes('registryId') ? ACCOUNT : undefined;
      expect({ op: request.operation, registryId: request.input.registryId }).toEqual({ op: request.operation, registryId: expected });
    }
  });

  test('credentials of another account are refused before any other call, naming both accounts', async () => {
    // GIVEN keys that belong to another account, whose registry has the same repository names
    const env = localAwsEnv(await startServer(OTHER_ACCOUNT));
    // WHEN
    const run = await runEcrTask('ecr:ensure', MANIFEST, env);
    // THEN nothing but the account check reached ECR
    expect(run.status).toBe(1);
    expect(server.operations()).toEqual(['DescribeRegistry']);
    expect(server.repositoryNames(OTHER_ACCOUNT)).toEqual([]);
    expect(taskLines(run.stdout)).toEqual([]);
    expect(taskLines(run.stderr)).toEqual([
      `Refused: the AWS credentials belong to account ${OTHER_ACCOUNT}, but .projenrc.ts declares the registry in account ${ACCOUNT}. Use credentials of account ${ACCOUNT} (e.g. 'export AWS_PROFILE=<a profile of ${ACCOUNT}>') and run again; nothing was read or changed`,
    ]);
  });

  test('ecr:status refuses another account the same way', async () => {
    const env = localAwsEnv(await startServer(OTHER_ACCOUNT));
    const run = await runEcrTask('ecr:status', MANIFEST, env);
    expect(run.status).toBe(1);
    expect(server.operations()).toEqual(['DescribeRegistry']);
    expect(taskLines(run.stderr)[0]).toMatch(/^Refused: the AWS credentials belong to account 777788889999/);
  });

  test('an endpoint that accepts the connection and never answers ends the task within the stated bound, with one line', async () => {
    // GIVEN
    const endpoint = await startServer();
    server.silence();
    // WHEN
    const run = await runEcrTask('ecr:ensure', ['--dry-run', ...MANIFEST], localAwsEnv(endpoint));
    // THEN it gave up on the first call at its deadline, after retrying, and said where it waited
    expect(run.status).toBe(1);
    expect(run.ms).toBeGreaterThanOrEqual(CALL_DEADLINE_MS);
    expect(run.ms).toBeLessThan(CALL_DEADLINE_MS + 15_000);
    expect(server.operations().length).toBeGreaterThan(1);
    expect(new Set(server.operations())).toEqual(new Set(['DescribeRegistry']));
    expect(taskLines(run.stdout)).toEqual([]);
    expect(taskLines(run.stderr)).toEqual([
      `Stopped: No answer from ECR at ${endpoint}/ within 30 s (DescribeRegistry): check the network, AWS_ENDPOINT_URL_ECR (set to ${endpoint}) and that region 'ap-southeast-2' is right`,
    ]);
  }, CALL_DEADLINE_MS + 30_000);

  test('throttling is retried 5 times, then reported for that repository while the others are handled', async () => {
    // GIVEN ECR throttles every DescribeRepositories call about one repository
    const env = localAwsEnv(await startServer());
    server.fail('DescribeRepositories', 'ThrottlingException', { repository: 'sample-training-images' });
    // WHEN
    const run = await runEcrTask('ecr:ensure', MANIFEST, env);
    // THEN 5 attempts (the README promises 5: a change here is a reviewed change of that promise)
    const attempts = server.requests.filter((r) => r.operation === 'DescribeRepositories' && r.input.repositoryNames?.[0] === 'sample-training-images');
    expect(attempts).toHaveLength(5);
    expect(run.status).toBe(1);
    const lines = taskLines(run.stdout);
    expect(lines).toContain('sample-training-images  FAILED: ECR kept throttling ecr:DescribeRepositories (ThrottlingException) and the SDK gave up after 5 attempts: wait a minute, then run again');
    expect(lines.at(-1)).toBe('Changed 3 of 4 repositories. 1 of 4 failed; the others were handled.');
    expect(server.repositoryNames()).toEqual(declared.filter((n) => n !== 'sample-training-images').sort());
  }, 60_000);

  test('throttling that stops within the attempts is invisible', async () => {
    const env = localAwsEnv(await startServer());
    server.fail('CreateRepository', 'ThrottlingException', { times: 2 });
    const run = await runEcrTask('ecr:ensure', MANIFEST, env);
    expect(run.status).toBe(0);
    expect(server.repositoryNames()).toEqual([...declared].sort());
  }, 60_000);

  test('an answer that is not from ECR (a proxy\'s HTML 404) is reported once, as such', async () => {
    // GIVEN
    const endpoint = await startServer();
    server.answerAsNonAws(404, 'text/html', '<html><body><h1>404 Not Found</h1></body></html>');
    // WHEN
    const run = await runEcrTask('ecr:status', MANIFEST, localAwsEnv(endpoint));
    // THEN
    expect(run.status).toBe(1);
    expect(taskLines(run.stdout)).toEqual([]);
    expect(taskLines(run.stderr)).toEqual([
      `Stopped: The endpoint ${endpoint}/ answered HTTP 404 (text/html), which is not an answer from ECR: check AWS_ENDPOINT_URL_ECR, the proxy settings (HTTPS_PROXY) and that region 'ap-southeast-2' is right`,
    ]);
  });

  test('a non-AWS answer after the account check stops the run with one line, not one per repository', async () => {
    // GIVEN a proxy that answers HTML to everything but the account check
    const endpoint = await startServer();
    server.answerAsNonAws(502, 'text/html', '<html>Bad Gateway</html>', 'DescribeRepositories');
    // WHEN
    const run = await runEcrTask('ecr:ensure', MANIFEST, localAwsEnv(endpoint));
    // THEN
    expect(run.status).toBe(1);
    expect(taskLines(run.stderr)).toEqual([
      `Stopped: The endpoint ${endpoint}/ answered HTTP 502 (text/html), which is not an answer from ECR: check AWS_ENDPOINT_URL_ECR, the proxy settings (HTTPS_PROXY) and that region 'ap-southeast-2' is right`,
    ]);
    expect(run.stdout).not.toMatch(/Unknown|FAILED/);
    expect(server.writes()).toEqual([]);
  }, 60_000);
});

