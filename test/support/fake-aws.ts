import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the stand-in ECR holds or how it fails. */
export type FakeEcrScenario =
  /** Images by digest, with their `imageSizeInBytes`. */
  | { readonly images: Record<string, number> }
  /** Every call fails with this AWS error, as the CLI reports it. */
  | { readonly error: { readonly code: string; readonly message: string } }
  /** Sizes computed from a registry's manifests (config plus layers), the way ECR reports them. */
  | { readonly registry: string };

export interface FakeAws {
  /** PATH with the stand-in `aws` first. */
  readonly path: string;
  /** The argument lists of every call so far. */
  calls(): string[][];
}

/**
 * A stand-in `aws` on PATH for `aws ecr describe-images`, answering like the
 * AWS CLI v2: the describe-images JSON on stdout and exit 0; an unknown image
 * or an AWS error as `An error occurred (<Code>) when calling the
 * DescribeImages operation: <message>` on stderr and exit 254; an unknown
 * option or any other command as a usage error, exit 252. It records every
 * call, so a test can check repository, digest, registry id, region and
 * timeouts. It never reaches AWS.
 *
 * @see https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html
 */
export function fakeAws(scenario: FakeEcrScenario): FakeAws {
  const bin = mkdtempSync(join(tmpdir(), 'fake-aws-'));
  const log = join(bin, 'calls.jsonl');
  writeFileSync(join(bin, 'aws'), [
    '#!/usr/bin/env node',
    `const scenario = ${JSON.stringify(scenario)};`,
    `require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');`,
    `(${standIn.toString()})(scenario, process.argv.slice(2));`,
    '',
  ].join('\n'));
  chmodSync(join(bin, 'aws'), 0o755);
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: () => existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [],
  };
}

/** The stand-in's program, serialized into the script: it may use only Node's globals. */
function standIn(scenario: any, argv: string[]): void {
  const fail = (code: number, text: string): never => {
    process.stderr.write(text);
    process.exit(code);
  };
  const awsError = (code: string, message: string) =>
    fail(254, `\nAn error occurred (${code}) when calling the DescribeImages operation: ${message}\n`);
  if (argv[0] !== 'ecr' || argv[1] !== 'describe-images') {
    fail(252, `fake aws: only 'ecr describe-images' is expected, got: ${argv.join(' ')}\n`);
  }
  const known = ['--registry-id', '--region', '--repository-name', '--image-ids', '--output', '--cli-connect-timeout', '--cli-read-timeout'];
  const options: Record<string, string> = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!known.includes(argv[i]) || argv[i + 1] === undefined) {
      fail(252, `\naws: error: Unknown options: ${argv.slice(i).join(', ')}\n`);
    }
    options[argv[i]] = argv[i + 1];
  }
  const digest = (options['--image-ids'] ?? '').replace(/^imageDigest=/, '');
  const repository = options['--repository-name'];
  const registryId = options['--registry-id'];
  if (!repository) {
    fail(252, '\naws: error: the following arguments are required: --repository-name\n');
  }
  const answer = (size: number) => {
    process.stdout.write(JSON.stringify({
      imageDetails: [{
        registryId,
        repositoryName: repository,
        imageDigest: digest,
        imageSizeInBytes: size,
        imagePushedAt: '2026-01-01T00:00:00+00:00',
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      }],
    }, null, 4) + '\n');
  };
  const notFound = () => awsError('ImageNotFoundException',
    `The image with imageId {imageDigest:'${digest}', imageTag:'null'} does not exist within the repository with name '${repository}' in the registry with id '${registryId}'`);

  if (scenario.error) {
    awsError(scenario.error.code, scenario.error.message);
  } else if (scenario.images) {
    if (scenario.images[digest] === undefined) notFound();
    answer(scenario.images[digest]);
  } else {
    const accept = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');
    fetch(`${scenario.registry}/v2/${repository}/manifests/${digest}`, { headers: { Accept: accept }, signal: AbortSignal.timeout(10_000) })
      .then(async (response) => {
        if (response.status === 404) notFound();
        if (!response.ok) awsError('ServerException', `registry answered ${response.status}`);
        const manifest: any = await response.json();
        answer(manifest.config.size + manifest.layers.reduce((sum: number, layer: { size: number }) => sum + layer.size, 0));
      })
      .catch((e) => fail(255, `\nCould not connect to the endpoint URL: ${e}\n`));
  }
}
