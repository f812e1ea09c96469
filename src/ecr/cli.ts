import { createEcrClient, EcrClientFactory } from './client';
import { EcrSession } from './ecr-session';
import { ensureRepositories } from './ensure';
import { EcrTaskError } from './errors';
import { showStatus } from './status';
import type { TaskIo } from './task-io';
import { MANIFEST_PATH, readManifest } from '../aws/ecr-manifest';

const USAGE = [
  'usage: npx projen ecr:ensure [--dry-run] [--manifest <path>]',
  '       npx projen ecr:status [--manifest <path>]',
  '',
  `Both read the repositories declared in .projenrc.ts from ${MANIFEST_PATH} (written by npx projen)`,
  'and call ECR with the usual AWS credentials (AWS_PROFILE, SSO, environment), refusing credentials',
  'of any other account than the declared one.',
].join('\n');

interface Args {
  readonly command: 'ensure' | 'status';
  readonly dryRun: boolean;
  readonly manifest: string;
}

function parseArgs(argv: readonly string[]): Args | string {
  const [command, ...rest] = argv;
  if (command !== 'ensure' && command !== 'status') {
    return `unknown command '${command ?? ''}': expected 'ensure' or 'status'`;
  }
  let dryRun = false;
  let manifest = MANIFEST_PATH;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--dry-run' && command === 'ensure') {
      dryRun = true;
    } else if (arg === '--manifest' && rest[i + 1] !== undefined) {
      manifest = rest[++i];
    } else {
      return `unknown option '${arg}' for ${command}`;
    }
  }
  return { command, dryRun, manifest };
}

/** The ECR tasks' entry point; returns the exit code: 0 done, 1 refused or an ECR call failed, 2 bad usage or manifest. */
export async function main(argv: readonly string[], io: TaskIo, clientFactory: EcrClientFactory = createEcrClient): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`${args}\n${USAGE}`);
    return 2;
  }
  let manifest;
  try {
    manifest = readManifest(args.manifest);
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
  const client = clientFactory(manifest.registry.region);
  try {
    const session = await EcrSession.open(client, manifest.registry);
    let refusal: string | undefined;
    try {
      refusal = await session.accountRefusal();
    } catch (error) {
      io.err(`Stopped: ${error instanceof EcrTaskError ? error.message : String(error)}`);
      return 1;
    }
    if (refusal) {
      io.err(refusal);
      return 1;
    }
    return args.command === 'ensure'
      ? await ensureRepositories(session, manifest, io, { dryRun: args.dryRun })
      : await showStatus(session, manifest, io);
  } finally {
    client.destroy();
  }
}

if (require.main === module) {
  const io: TaskIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
