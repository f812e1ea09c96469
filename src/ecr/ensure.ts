import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DescribeRepositoriesCommand, GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand, PutImageTagMutabilityCommand, PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import type { EcrSession } from './ecr-session';
import { EcrTaskError } from './errors';
import { sameLifecyclePolicy } from './lifecycle-drift';
import { alignedLines, TaskIo } from './task-io';
import type {
  EcrManifest, LifecyclePolicyDocument, RepositoryDeclaration, TagImmutability, TagMutabilityExclusionFilter,
} from '../aws/ecr-manifest';

/** A declared repository as ECR has it. */
export interface RepositoryState {
  readonly scanOnPush: boolean;
  readonly imageTagMutability: string;
  readonly imageTagMutabilityExclusionFilters: ReadonlyArray<Partial<TagMutabilityExclusionFilter>>;
  /** The lifecycle policy, parsed (its text when it is not JSON); `undefined` when there is none. */
  readonly lifecyclePolicy?: unknown;
}

/** One change `ecr:ensure` makes, in the words of a plan and of a report. */
export interface Change {
  readonly planned: string;
  readonly done: string;
  apply(session: EcrSession): Promise<unknown>;
}

/**
 * What it takes to bring one repository in line with its declaration and the
 * declared lifecycle policy (`undefined`: none); pure. A repository that
 * matches needs no change: the comparison is by meaning, so a second run
 * after a first makes no call that writes.
 */
export function planRepository(
  decl: RepositoryDeclaration, lifecyclePolicy: LifecyclePolicyDocument | undefined, state: RepositoryState | undefined,
): Change[] {
  const name = decl.name;
  if (!state) {
    const what = `repository (scan on push, ${describeMutability(decl)})`;
    return [
      {
        planned: `create ${what}`,
        done: `created ${what}`,
        apply: (s) => s.call('CreateRepository', (o) => s.client.send(new CreateRepositoryCommand({
          registryId: s.registryId,
          repositoryName: name,
          imageTagMutability: decl.imageTagMutability,
          imageTagMutabilityExclusionFilters: decl.imageTagMutabilityExclusionFilters,
          imageScanningConfiguration: { scanOnPush: decl.scanOnPush },
        }), o)),
      },
      ...(lifecyclePolicy ? [putLifecycle(name, lifecyclePolicy, 'put')] : []),
    ];
  }
  const changes: Change[] = [];
  if (lifecyclePolicy && state.lifecyclePolicy === undefined) {
    changes.push(putLifecycle(name, lifecyclePolicy, 'put'));
  } else if (lifecyclePolicy && !sameLifecyclePolicy(lifecyclePolicy, state.lifecyclePolicy)) {
    changes.push(putLifecycle(name, lifecyclePolicy, 'replace'));
  } else if (!lifecyclePolicy && state.lifecyclePolicy !== undefined) {
    changes.push({
      planned: 'remove the lifecycle policy (.projenrc.ts declares no lifecycle rules)',
      done: 'removed the lifecycle policy (.projenrc.ts declares no lifecycle rules)',
      apply: (s) => s.call('DeleteLifecyclePolicy', (o) =>
        s.client.send(new DeleteLifecyclePolicyCommand({ registryId: s.registryId, repositoryName: name }), o)),
    });
  }
  if (state.scanOnPush !== decl.scanOnPush) {
    const onOff = decl.scanOnPush ? 'on' : 'off';
    changes.push({
      planned: `turn scan on push ${onOff}`,
      done: `turned scan on push ${onOff}`,
      apply: (s) => s.call('PutImageScanningConfiguration', (o) => s.client.send(new PutImageScanningConfigurationCommand({
        registryId: s.registryId, repositoryName: name, imageScanningConfiguration: { scanOnPush: decl.scanOnPush },
      }), o)),
    });
  }
  if (!sameMutability(decl, state)) {
    // Release tags must never move: a moved tag leaves the old release untagged, and the lifecycle policy expires it.
    const was = describeMutability(state);
    changes.push({
      planned: `make ${describeMutability(decl)} (now ${was})`,
      done: `made ${describeMutability(decl)} (was ${was})`,
      apply: (s) => s.call('PutImageTagMutability', (o) => s.client.send(new PutImageTagMutabilityCommand({
        registryId: s.registryId,
        repositoryName: name,
        imageTagMutability: decl.imageTagMutability,
        imageTagMutabilityExclusionFilters: decl.imageTagMutabilityExclusionFilters,
      }), o)),
    });
  }
  return changes;
}

function putLifecycle(name: string, policy: LifecyclePolicyDocument, verb: 'put' | 'replace'): Change {
  const what = verb === 'put'
    ? [`put lifecycle policy (${policy.rules.length} rules)`, `put lifecycle policy (${policy.rules.length} rules)`]
    : ['replace the lifecycle policy, which differs from .projenrc.ts', 'replaced the lifecycle policy, which differed from .projenrc.ts'];
  return {
    planned: what[0],
    done: what[1],
    apply: (s) => s.call('PutLifecyclePolicy', (o) => s.client.send(new PutLifecyclePolicyCommand({
      registryId: s.registryId,
      repositoryName: name,
      lifecyclePolicyText: JSON.stringify(policy),
    }), o)),
  };
}

function sameMutability(decl: TagImmutability, state: RepositoryState): boolean {
  const key = (filters: ReadonlyArray<Partial<TagMutabilityExclusionFilter>>) =>
    filters.map((f) => `${f.filterType}:${f.filter}`).sort().join('\n');
  return decl.imageTagMutability === state.imageTagMutability
    && key(decl.imageTagMutabilityExclusionFilters) === key(state.imageTagMutabilityExclusionFilters);
}

/** E.g. `immutable tags except latest, buildcache, develop-*`. */
function describeMutability(setting: Pick<RepositoryState, 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'>): string {
  const except = setting.imageTagMutabilityExclusionFilters.map((f) => f.filter).join(', ');
  switch (setting.imageTagMutability) {
    case 'MUTABLE': return 'mutable tags';
    case 'IMMUTABLE': return 'immutable tags';
    case 'IMMUTABLE_WITH_EXCLUSION': return `immutable tags except ${except}`;
    case 'MUTABLE_WITH_EXCLUSION': return `mutable tags except ${except}`;
    default: return `tag mutability ${setting.imageTagMutability}`;
  }
}

/** Reads what `planRepository` compares; `undefined` when the repository does not exist. */
export async function readRepositoryState(session: EcrSession, name: string): Promise<RepositoryState | undefined> {
  const described = await session.callIfPresent('DescribeRepositories', 'RepositoryNotFoundException', (o) =>
    session.client.send(new DescribeRepositoriesCommand({ registryId: session.registryId, repositoryNames: [name] }), o));
  const repository = described?.repositories?.find((r) => r.repositoryName === name);
  if (!repository) {
    return undefined;
  }
  const lifecycle = await session.callIfPresent('GetLifecyclePolicy', 'LifecyclePolicyNotFoundException', (o) =>
    session.client.send(new GetLifecyclePolicyCommand({ registryId: session.registryId, repositoryName: name }), o));
  return {
    scanOnPush: repository.imageScanningConfiguration?.scanOnPush ?? false,
    imageTagMutability: repository.imageTagMutability ?? 'MUTABLE',
    imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters ?? [],
    lifecyclePolicy: lifecycle?.lifecyclePolicyText === undefined ? undefined : parseOrText(lifecycle.lifecyclePolicyText),
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
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
export async function ensureRepositories(session: EcrSession, manifest: EcrManifest, io: TaskIo, options: EnsureOptions): Promise<number> {
  const repositories = manifest.repositories;
  io.out(`${options.dryRun ? 'Dry run: planning' : 'Ensuring'} ${repositories.length} declared ECR repositories in account ${session.registryId}, region ${session.region}`);
  const line = alignedLines(repositories.map((r) => r.name), io);
  let changed = 0;
  const failed: string[] = [];
  for (const decl of repositories) {
    const done: string[] = [];
    try {
      const changes = planRepository(decl, manifest.lifecyclePolicy, await readRepositoryState(session, decl.name));
      for (const change of changes) {
        if (options.dryRun) {
          done.push(`would ${change.planned}`);
        } else {
          await change.apply(session);
          done.push(change.done);
        }
      }
      changed += changes.length > 0 ? 1 : 0;
      line(decl.name, done.length > 0 ? done.join('; ') : 'up to date');
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
  const failures = failed === 0 ? ''
    : failed === total ? ` All ${total} failed.`
      : ` ${failed} of ${total} failed; the others were handled.`;
  if (changed === 0 && failed === 0) {
    return `Nothing to change: all ${total} declared repositories match .projenrc.ts.`;
  }
  return dryRun
    ? `Dry run: ${changed} of ${total} repositories would change; nothing was changed.${failures}`
    : `Changed ${changed} of ${total} repositories.${failures}`;
}
