import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient,
  GetLifecyclePolicyCommand, ImageDetail, LifecyclePolicyNotFoundException, PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand, Repository, RepositoryAlreadyExistsException, RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { TaskIo } from '../../src/ecr/task-io';

// The SDK's "Node 22 from 2027" notice would otherwise fill every test log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';

interface FakeRepository {
  scanOnPush: boolean;
  imageTagMutability: string;
  lifecyclePolicyText?: string;
  images: ImageDetail[];
}

/** The write calls `ecr:ensure` may make; a run that makes none changed nothing. */
export const WRITE_COMMANDS = [
  CreateRepositoryCommand, PutLifecyclePolicyCommand, DeleteLifecyclePolicyCommand, PutImageScanningConfigurationCommand,
] as const;

/**
 * An in-memory ECR registry behind aws-sdk-client-mock: every ECRClient the
 * code under test creates talks to it, and nothing reaches AWS. It keeps state,
 * so a second run sees what the first one did, and it pages DescribeImages
 * `pageSize` images at a time whatever the caller asks for.
 */
export class FakeEcr {
  public readonly mock = mockClient(ECRClient);
  public pageSize = 1000;
  /** Each DescribeImages request as it was sent (the SDK's paginator reuses one input object). */
  public readonly imagePageRequests: Array<{ repositoryName: string; nextToken?: string }> = [];
  private readonly repos = new Map<string, FakeRepository>();
  private readonly failures = new Map<string, unknown>();

  constructor() {
    this.mock.on(DescribeRepositoriesCommand).callsFake((input) => this.guard('DescribeRepositories', input.repositoryNames?.[0], () => ({
      repositories: (input.repositoryNames ?? []).map((name: string) => this.describe(name)),
    })));
    this.mock.on(GetLifecyclePolicyCommand).callsFake((input) => this.guard('GetLifecyclePolicy', input.repositoryName, () => {
      const text = this.get(input.repositoryName).lifecyclePolicyText;
      if (text === undefined) {
        throw new LifecyclePolicyNotFoundException({ message: 'Lifecycle policy does not exist', $metadata: {} });
      }
      return { repositoryName: input.repositoryName, lifecyclePolicyText: text };
    }));
    this.mock.on(CreateRepositoryCommand).callsFake((input) => this.guard('CreateRepository', input.repositoryName, () => {
      if (this.repos.has(input.repositoryName)) {
        throw new RepositoryAlreadyExistsException({ message: `The repository with name '${input.repositoryName}' already exists`, $metadata: {} });
      }
      this.repos.set(input.repositoryName, {
        scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
        imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
        images: [],
      });
      return { repository: this.describe(input.repositoryName) };
    }));
    this.mock.on(PutLifecyclePolicyCommand).callsFake((input) => this.guard('PutLifecyclePolicy', input.repositoryName, () => {
      this.get(input.repositoryName).lifecyclePolicyText = input.lifecyclePolicyText;
      return { repositoryName: input.repositoryName, lifecyclePolicyText: input.lifecyclePolicyText };
    }));
    this.mock.on(DeleteLifecyclePolicyCommand).callsFake((input) => this.guard('DeleteLifecyclePolicy', input.repositoryName, () => {
      delete this.get(input.repositoryName).lifecyclePolicyText;
      return { repositoryName: input.repositoryName };
    }));
    this.mock.on(PutImageScanningConfigurationCommand).callsFake((input) => this.guard('PutImageScanningConfiguration', input.repositoryName, () => {
      this.get(input.repositoryName).scanOnPush = input.imageScanningConfiguration.scanOnPush;
      return {};
    }));
    this.mock.on(DescribeImagesCommand).callsFake((input) => this.guard('DescribeImages', input.repositoryName, () => {
      this.imagePageRequests.push({ repositoryName: input.repositoryName, nextToken: input.nextToken });
      const tagged = this.get(input.repositoryName).images.filter((i) => input.filter?.tagStatus !== 'TAGGED' || (i.imageTags ?? []).length > 0);
      const start = Number(input.nextToken ?? 0);
      const end = start + this.pageSize;
      return { imageDetails: tagged.slice(start, end), nextToken: end < tagged.length ? String(end) : undefined };
    }));
  }

  /** A repository that exists before the run. */
  public addRepository(name: string, state: { scanOnPush?: boolean; imageTagMutability?: string; lifecyclePolicyText?: string } = {}): void {
    this.repos.set(name, {
      scanOnPush: state.scanOnPush ?? true,
      imageTagMutability: state.imageTagMutability ?? 'MUTABLE',
      lifecyclePolicyText: state.lifecyclePolicyText,
      images: [],
    });
  }

  public addImage(repository: string, image: { tags: string[]; pushedAt: string; sizeBytes: number }): void {
    this.get(repository).images.push({
      repositoryName: repository,
      imageDigest: `sha256:${String(this.get(repository).images.length).padStart(64, '0')}`,
      imageTags: image.tags,
      imagePushedAt: new Date(image.pushedAt),
      imageSizeInBytes: image.sizeBytes,
    });
  }

  /** Makes one operation on one repository throw `error` (an SDK exception or a plain Error). */
  public failOn(operation: string, repository: string, error: unknown): void {
    this.failures.set(`${operation}:${repository}`, error);
  }

  public repository(name: string): Readonly<FakeRepository> | undefined {
    return this.repos.get(name);
  }

  public get repositoryNames(): string[] {
    return [...this.repos.keys()].sort();
  }

  /** Every repository name any call named, for "never touches an undeclared repository". */
  public namesTouched(): string[] {
    return [...new Set(this.mock.calls().flatMap((c) => {
      const input = c.args[0].input as { repositoryName?: string; repositoryNames?: string[] };
      return [input.repositoryName, ...(input.repositoryNames ?? [])].filter((n): n is string => n !== undefined);
    }))].sort();
  }

  /** How many write calls were made. */
  public writeCount(): number {
    return this.mock.calls().filter((c) => WRITE_COMMANDS.some((command) => c.args[0] instanceof command)).length;
  }

  public restore(): void {
    this.mock.restore();
  }

  private guard<T>(operation: string, repository: string | undefined, body: () => T): T {
    const failure = this.failures.get(`${operation}:${repository}`);
    if (failure) {
      throw failure;
    }
    return body();
  }

  private get(name: string): FakeRepository {
    const repo = this.repos.get(name);
    if (!repo) {
      throw new RepositoryNotFoundException({
        message: `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT}'`, $metadata: {},
      });
    }
    return repo;
  }

  private describe(name: string): Repository {
    const repo = this.get(name);
    return {
      repositoryName: name,
      repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
      imageTagMutability: repo.imageTagMutability as Repository['imageTagMutability'],
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    };
  }
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

/** An AWS error as the SDK raises it from an ECR response. */
export function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 }, ...extra });
}
