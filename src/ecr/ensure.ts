import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DescribeRepositoriesCommand, ECRClient,
  GetLifecyclePolicyCommand, PutImageScanningConfigurationCommand, PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { call, callIfPresent } from './client';
import { EcrTaskError } from './errors';
import { alignedLines, TaskIo } from './task-io';
import type { EcrManifest, LifecyclePolicyDocument, RepositoryDeclaration } from '../aws/ecr-manifest';

/** A declared repository as ECR has it. */
export interface RepositoryState {
  readonly scanOnPush: boolean;
  readonly imageTagMutability: string;
  /** The lifecycle policy, parsed; `undefined` when there is none. */
  readonly lifecyclePolicy?: unknown;
}

/** One change `ecr:ensure` makes, in the words of a plan and of a report. */
export interface Change {
  readonly planned: string;
  readonly done: string;
  apply(client: ECRClient, region: string): Promise<unknown>;
}

export interface Plan {
  readonly changes: Change[];
  /** Differences `ecr:ensure` reports but leaves to people. */
  readonly warnings: string[];
}

/**
 * What it takes to bring one repository in line with its declaration and the
 * declared lifecycle policy (`undefined`: none); pure.
 */
export function planRepository(
  decl: RepositoryDeclaration, lifecyclePolicy: LifecyclePolicyDocument | undefined, state: RepositoryState | undefined,
): Plan {
  const name = decl.name;
  if (!state) {
    return {
      changes: [
        {
          planned: 'create repository (scan on push, mutable tags)',
          done: 'created repository (scan on push, mutable tags)',
          apply: (client, region) => call({ operation: 'CreateRepository', region }, () => client.send(new CreateRepositoryCommand({
            repositoryName: name,
            imageTagMutability: decl.imageTagMutability,
            imageScanningConfiguration: { scanOnPush: decl.scanOnPush },
          }))),
        },
        ...(lifecyclePolicy ? [putLifecycle(name, lifecyclePolicy, 'put')] : []),
      ],
      warnings: [],
    };
  }
  const changes: Change[] = [];
  if (lifecyclePolicy && state.lifecyclePolicy === undefined) {
    changes.push(putLifecycle(name, lifecyclePolicy, 'put'));
  } else if (lifecyclePolicy && canonical(state.lifecyclePolicy) !== canonical(lifecyclePolicy)) {
    changes.push(putLifecycle(name, lifecyclePolicy, 'replace'));
  } else if (!lifecyclePolicy && state.lifecyclePolicy !== undefined) {
    changes.push({
      planned: 'remove the lifecycle policy (.projenrc.ts declares no lifecycle rules)',
      done: 'removed the lifecycle policy (.projenrc.ts declares no lifecycle rules)',
      apply: (client, region) => call({ operation: 'DeleteLifecyclePolicy', region }, () =>
        client.send(new DeleteLifecyclePolicyCommand({ repositoryName: name }))),
    });
  }
  if (state.scanOnPush !== decl.scanOnPush) {
    const onOff = decl.scanOnPush ? 'on' : 'off';
    changes.push({
      planned: `turn scan on push ${onOff}`,
      done: `turned scan on push ${onOff}`,
      apply: (client, region) => call({ operation: 'PutImageScanningConfiguration', region }, () =>
        client.send(new PutImageScanningConfigurationCommand({
          repositoryName: name, imageScanningConfiguration: { scanOnPush: decl.scanOnPush },
        }))),
    });
  }
  // Someone may have chosen this on purpose (e.g. to protect release tags): say what breaks, change nothing.
  const warnings = state.imageTagMutability === decl.imageTagMutability ? [] : [
    `tag mutability is ${state.imageTagMutability}, not ${decl.imageTagMutability}: pushing 'latest' or 'buildcache' again may fail; change it in ECR if that is not intended`,
  ];
  return { changes, warnings };
}

function putLifecycle(name: string, policy: LifecyclePolicyDocument, verb: 'put' | 'replace'): Change {
  const what = verb === 'put'
    ? [`put lifecycle policy (${policy.rules.length} rules)`, `put lifecycle policy (${policy.rules.length} rules)`]
    : ['replace the lifecycle policy, which differs from .projenrc.ts', 'replaced the lifecycle policy, which differed from .projenrc.ts'];
  return {
    planned: what[0],
    done: what[1],
    apply: (client, region) => call({ operation: 'PutLifecyclePolicy', region }, () => client.send(new PutLifecyclePolicyCommand({
      repositoryName: name,
      lifecyclePolicyText: JSON.stringify(policy),
    }))),
  };
}

/** Reads what `planRepository` compares; `undefined` when the repository does not exist. */
export async function readRepositoryState(client: ECRClient, region: string, name: string): Promise<RepositoryState | undefined> {
  const described = await callIfPresent({ operation: 'DescribeRepositories', region }, 'RepositoryNotFoundException', () =>
    client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })));
  const repository = described?.repositories?.find((r) => r.repositoryName === name);
  if (!repository) {
    return undefined;
  }
  const lifecycle = await callIfPresent({ operation: 'GetLifecyclePolicy', region }, 'LifecyclePolicyNotFoundException', () =>
    client.send(new GetLifecyclePolicyCommand({ repositoryName: name })));
  return {
    scanOnPush: repository.imageScanningConfiguration?.scanOnPush ?? false,
    imageTagMutability: repository.imageTagMutability ?? 'MUTABLE',
    lifecyclePolicy: lifecycle?.lifecyclePolicyText ? JSON.parse(lifecycle.lifecyclePolicyText) : undefined,
  };
}

export interface EnsureOptions {
  /** Print the plan, change nothing. */
  readonly dryRun: boolean;
}

/**
 * Brings every declared repository in line with `.projenrc.ts`, one at a
 * time, and never touches any other repository. A repository that fails does
 * not stop the others; a fatal error stops the run. Returns the exit code.
 */
export async function ensureRepositories(client: ECRClient, manifest: EcrManifest, io: TaskIo, options: EnsureOptions): Promise<number> {
  const { region, account } = manifest.registry;
  const repositories = manifest.repositories;
  io.out(`${options.dryRun ? 'Dry run: planning' : 'Ensuring'} ${repositories.length} declared ECR repositories in account ${account}, region ${region}`);
  const line = alignedLines(repositories.map((r) => r.name), io);
  let changed = 0;
  const failed: string[] = [];
  for (const decl of repositories) {
    const done: string[] = [];
    try {
      const plan = planRepository(decl, manifest.lifecyclePolicy, await readRepositoryState(client, region, decl.name));
      for (const change of plan.changes) {
        if (options.dryRun) {
          done.push(`would ${change.planned}`);
        } else {
          await change.apply(client, region);
          done.push(change.done);
        }
      }
      changed += plan.changes.length > 0 ? 1 : 0;
      line(decl.name, done.length > 0 ? done.join('; ') : 'up to date');
      for (const warning of plan.warnings) {
        line(decl.name, `warning: ${warning}`);
      }
    } catch (error) {
      const explained = error instanceof EcrTaskError ? error : new EcrTaskError(String(error), false);
      if (explained.fatal) {
        if (done.length > 0) {
          line(decl.name, done.join('; '));
        }
        io.err(`Stopped: ${explained.message}`);
        return 1;
      }
      failed.push(decl.name);
      line(decl.name, `FAILED: ${[...done, explained.message].join('; ')}`);
    }
  }
  io.out(summary(repositories.length, changed, failed.length, options.dryRun));
  return failed.length > 0 ? 1 : 0;
}

function summary(total: number, changed: number, failed: number, dryRun: boolean): string {
  const failures = failed > 0 ? ` ${failed} of ${total} failed; the others were handled.` : '';
  if (changed === 0 && failed === 0) {
    return `Nothing to change: all ${total} declared repositories match .projenrc.ts.`;
  }
  return dryRun
    ? `Dry run: ${changed} of ${total} repositories would change; nothing was changed.${failures}`
    : `Changed ${changed} of ${total} repositories.${failures}`;
}

/** JSON with keys sorted, so a policy ECR returns reformatted still compares equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v);
}
