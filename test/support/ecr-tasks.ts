import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './workflows';
import { EcrManifest } from '../../src/aws/ecr-manifest';
import { createEcrClient, EcrClientFactory } from '../../src/ecr/client';
import type { TaskIo } from '../../src/ecr/task-io';

// The SDK's "Node 22 from 2027" notice would otherwise fill every test log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const PROJEN = join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen');

/** Keys that sign requests and open nothing: the local ECR checks only their scope. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLEEXAMPLE00', secretAccessKey: 'not-a-secret' };

/** AWS settings that are only dummy keys: an empty home, no profile files, no instance metadata. */
export function dummyAwsEnv(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'aws-home-'));
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** The environment of an operator whose only AWS settings are dummy keys and the local ECR's endpoint. */
export function localAwsEnv(endpoint: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...dummyAwsEnv(), AWS_ENDPOINT_URL_ECR: endpoint };
}

export interface TaskProcess {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time from start to exit. */
  readonly ms: number;
}

/**
 * Runs `npx projen <task> [args]` in the repository as a process, the way an
 * operator does; asynchronous, so a server in this process can answer it.
 */
export function runEcrTask(task: 'ecr:ensure' | 'ecr:status', args: string[], env: Record<string, string>): Promise<TaskProcess> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROJEN, task, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

/** The lines a task printed itself, without projen's task banner. */
export function taskLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('👾'));
}

/** The tasks' own client, pointed at the local ECR with dummy keys: the real SDK, in this process. */
export function localClientFactory(endpoint: string): EcrClientFactory {
  return (region) => createEcrClient(region, { endpoint, credentials: DUMMY_CREDENTIALS });
}

/** Captures what a task prints. */
export class CapturedIo implements TaskIo {
  public readonly stdout: string[] = [];
  public readonly stderr: string[] = [];
  constructor(public readonly color = false) {}
  public out(line: string): void {
    this.stdout.push(...line.split('\n'));
  }
  public err(line: string): void {
    this.stderr.push(...line.split('\n'));
  }
  /** The line about one repository. */
  public lineFor(name: string): string {
    const line = this.stdout.find((l) => l.startsWith(`${name} `));
    if (!line) {
      throw new Error(`no output line for ${name}:\n${this.stdout.join('\n')}`);
    }
    return line;
  }
}

/** The repository names a manifest declares. */
export function declaredNames(manifest: EcrManifest): string[] {
  return manifest.repositories.map((r) => r.name);
}
