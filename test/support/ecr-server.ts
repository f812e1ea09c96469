import { createHash, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PolicyDocument } from '../../src/aws/iam-policies';

/**
 * A small Amazon ECR on 127.0.0.1 for the real AWS SDK and the real AWS CLI,
 * reached through `AWS_ENDPOINT_URL_ECR` (or `--endpoint-url`).
 *
 * It speaks ECR's JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * AmazonEC2ContainerRegistry_V20150921.<Operation>`, errors as
 * `{"__type": ..., "message": ...}`), keeps state between requests and behaves
 * like ECR where the tasks depend on it: the caller's account is its registry,
 * another account's registry answers AccessDenied, the identity policy given
 * is enforced with IAM's message, ECR's validation limits answer
 * InvalidParameterException, tag immutability and its exclusion filters apply
 * to pushed tags, and a lifecycle policy comes back re-serialized with its
 * rules ordered by priority.
 *
 * Faults: an error N times, a delay, never answering, a non-AWS answer.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html
 */

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/** The operations that change a registry. */
export const WRITE_OPERATIONS = [
  'CreateRepository', 'DeleteLifecyclePolicy', 'PutImage', 'PutImageScanningConfiguration',
  'PutImageTagMutability', 'PutLifecyclePolicy',
];

export interface ExclusionFilter {
  readonly filter: string;
  readonly filterType: string;
}

/** One image: a manifest (stored byte for byte, as ECR does) and its tags. */
export interface StoredImage {
  readonly digest: string;
  readonly manifest: string;
  readonly manifestMediaType: string;
  tags: string[];
  readonly pushedAt: Date;
  readonly sizeBytes: number;
}

export interface StoredRepository {
  readonly name: string;
  readonly registryId: string;
  readonly createdAt: Date;
  scanOnPush: boolean;
  imageTagMutability: string;
  exclusionFilters: ExclusionFilter[];
  /** The lifecycle policy as ECR returns it. */
  lifecyclePolicyText?: string;
  images: StoredImage[];
}

/** One request as the server received it. */
export interface LoggedRequest {
  readonly operation: string;
  readonly input: Record<string, any>;
  /** The region the request was signed for. */
  readonly signedRegion?: string;
}

interface Fault {
  readonly operation?: string;
  readonly repository?: string;
  readonly type: string;
  readonly message: string;
  readonly status: number;
  remaining: number;
}

export interface EcrServerOptions {
  /** The region the registry is in. @default 'eu-central-1' */
  readonly region?: string;
  /** The account the caller's credentials belong to, whose registry this is. @default '123456789012' */
  readonly callerAccount?: string;
  /** The caller's identity policy; when given, any action it does not allow is denied. @default - everything allowed */
  readonly identityPolicy?: PolicyDocument;
}

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REGISTRY_ID = /^[0-9]{12}$/;
const EXCLUSION_FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;
const MUTABILITIES = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];
const IMAGE_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/;

class EcrError extends Error {
  constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
  }
}

export class EcrServer {
  public readonly region: string;
  public readonly callerAccount: string;
  public readonly callerArn: string;
  /** Every request received, in order, answered or not. */
  public readonly requests: LoggedRequest[] = [];
  /** Images per DescribeImages page whatever the caller asks for (ECR's own page size varies too). */
  public pageSize = 1000;
  private readonly registries = new Map<string, Map<string, StoredRepository>>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private identityPolicy?: PolicyDocument;
  private delayMs = 0;
  private silent = false;
  private foreignAnswer?: { status: number; contentType: string; body: string; operation?: string };
  private server?: Server;
  private url?: string;

  constructor(options: EcrServerOptions = {}) {
    this.region = options.region ?? 'eu-central-1';
    this.callerAccount = options.callerAccount ?? '123456789012';
    this.callerArn = `arn:aws:iam::${this.callerAccount}:user/operator`;
    this.identityPolicy = options.identityPolicy;
  }

  /** Listens on a free loopback port; returns the endpoint URL. */
  public async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  public get endpoint(): string {
    if (!this.url) {
      throw new Error('EcrServer not started');
    }
    return this.url;
  }

  /** Closes the server and every connection, answered or not. */
  public async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- faults ----

  /** Answers `operation` (on `repository`, if given) with the error `type`, `times` times, then normally. */
  public fail(operation: string, type: string, options: { times?: number; repository?: string; message?: string; status?: number } = {}): void {
    this.faults.push({
      operation,
      repository: options.repository,
      type,
      message: options.message ?? defaultMessage(type),
      status: options.status ?? (type === 'ServerException' ? 500 : 400),
      remaining: options.times ?? Infinity,
    });
  }

  /** Waits this long before answering each request. */
  public delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Accepts connections and requests but never answers. */
  public silence(): void {
    this.silent = true;
  }

  /** Answers every request (to `operation`, if given) like a server that is not ECR, e.g. a proxy's HTML 404. */
  public answerAsNonAws(status: number, contentType: string, body: string, operation?: string): void {
    this.foreignAnswer = { status, contentType, body, operation };
  }

  public setIdentityPolicy(policy: PolicyDocument | undefined): void {
    this.identityPolicy = policy;
  }

  // ---- state ----

  /** A repository that exists before the run, in the caller's registry unless `registryId` says otherwise. */
  public addRepository(name: string, state: Partial<Omit<StoredRepository, 'name' | 'images' | 'createdAt'>> = {}): StoredRepository {
    const registryId = state.registryId ?? this.callerAccount;
    const repository: StoredRepository = {
      name,
      registryId,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      scanOnPush: state.scanOnPush ?? false,
      imageTagMutability: state.imageTagMutability ?? 'MUTABLE',
      exclusionFilters: state.exclusionFilters ?? [],
      lifecyclePolicyText: state.lifecyclePolicyText,
      images: [],
    };
    this.registry(registryId).set(name, repository);
    return repository;
  }

  /**
   * Pushes an image as PutImage would, tag immutability included; the digest
   * is the sha256 of the manifest bytes.
   */
  public pushImage(
    repositoryName: string,
    image: { tags: string[]; manifest?: string; pushedAt?: string; sizeBytes?: number; mediaType?: string },
  ): StoredImage {
    const repository = this.repository(repositoryName);
    if (!repository) {
      throw new Error(`no repository ${repositoryName}`);
    }
    const manifest = image.manifest ?? JSON.stringify({ schemaVersion: 2, tags: image.tags, at: image.pushedAt });
    let stored: StoredImage | undefined;
    for (const tag of image.tags) {
      stored = this.putImage(repository, manifest, image.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', tag,
        image.pushedAt ? new Date(image.pushedAt) : new Date(), image.sizeBytes ?? manifest.length);
    }
    return stored as StoredImage;
  }

  public repository(name: string, registryId = this.callerAccount): StoredRepository | undefined {
    return this.registry(registryId).get(name);
  }

  public repositoryNames(registryId = this.callerAccount): string[] {
    return [...this.registry(registryId).keys()].sort();
  }

  /** The operations received, in order. */
  public operations(): string[] {
    return this.requests.map((r) => r.operation);
  }

  /** The write requests received. */
  public writes(): LoggedRequest[] {
    return this.requests.filter((r) => WRITE_OPERATIONS.includes(r.operation));
  }

  /** Every repository name any request named. */
  public repositoriesNamed(): string[] {
    return [...new Set(this.requests.flatMap((r) => [r.input.repositoryName, ...(r.input.repositoryNames ?? [])])
      .filter((n): n is string => typeof n === 'string'))].sort();
  }

  // ---- protocol ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let input: Record<string, any> = {};
    try {
      input = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      // answered below as ECR would: the body is not JSON
      input = { $unparsable: true };
    }
    const signedRegion = /Credential=[^/]+\/\d{8}\/([^/]+)\/ecr\/aws4_request/.exec(String(req.headers.authorization ?? ''))?.[1];
    this.requests.push({ operation, input, signedRegion });
    if (this.silent) {
      return;
    }
    if (this.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    if (this.foreignAnswer && (this.foreignAnswer.operation ?? operation) === operation) {
      res.writeHead(this.foreignAnswer.status, { 'content-type': this.foreignAnswer.contentType });
      res.end(this.foreignAnswer.body);
      return;
    }
    try {
      if (!target.startsWith(TARGET_PREFIX) || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        throw new EcrError('UnknownOperationException', '');
      }
      if (input.$unparsable) {
        throw new EcrError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (!req.headers.authorization) {
        throw new EcrError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      }
      if (signedRegion !== this.region) {
        throw new EcrError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${signedRegion}'.`, 403);
      }
      this.injectFault(operation, input);
      const output = this.dispatch(operation, input);
      this.send(res, 200, output);
    } catch (error) {
      if (error instanceof EcrError) {
        this.send(res, error.status, { __type: error.type, message: error.message });
      } else {
        this.send(res, 500, { __type: 'ServerException', message: String(error) });
      }
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  }

  private injectFault(operation: string, input: Record<string, any>): void {
    const fault = this.faults.find((f) => f.remaining > 0 && f.operation === operation
      && (f.repository === undefined || f.repository === input.repositoryName || input.repositoryNames?.includes(f.repository)));
    if (fault) {
      fault.remaining--;
      throw new EcrError(fault.type, fault.message, fault.status);
    }
  }

  private dispatch(operation: string, input: Record<string, any>): unknown {
    switch (operation) {
      case 'DescribeRegistry':
        this.authorize(operation, '*');
        return { registryId: this.callerAccount, replicationConfiguration: { rules: [] } };
      case 'DescribeRepositories': return this.describeRepositories(input);
      case 'CreateRepository': return this.createRepository(input);
      case 'GetLifecyclePolicy': {
        const repository = this.target(operation, input);
        if (repository.lifecyclePolicyText === undefined) {
          throw new EcrError('LifecyclePolicyNotFoundException',
            `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${repository.registryId}'`);
        }
        return { ...this.ids(repository), lifecyclePolicyText: repository.lifecyclePolicyText, lastEvaluatedAt: 0 };
      }
      case 'PutLifecyclePolicy': {
        const repository = this.target(operation, input);
        repository.lifecyclePolicyText = asEcrStoresIt(validateLifecyclePolicy(input.lifecyclePolicyText));
        return { ...this.ids(repository), lifecyclePolicyText: input.lifecyclePolicyText };
      }
      case 'DeleteLifecyclePolicy': {
        const repository = this.target(operation, input);
        if (repository.lifecyclePolicyText === undefined) {
          throw new EcrError('LifecyclePolicyNotFoundException',
            `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${repository.registryId}'`);
        }
        const text = repository.lifecyclePolicyText;
        delete repository.lifecyclePolicyText;
        return { ...this.ids(repository), lifecyclePolicyText: text };
      }
      case 'PutImageScanningConfiguration': {
        const repository = this.target(operation, input);
        repository.scanOnPush = input.imageScanningConfiguration?.scanOnPush === true;
        return { ...this.ids(repository), imageScanningConfiguration: { scanOnPush: repository.scanOnPush } };
      }
      case 'PutImageTagMutability': {
        const repository = this.target(operation, input);
        const { mutability, filters } = validateMutability(input);
        repository.imageTagMutability = mutability;
        repository.exclusionFilters = filters;
        return {
          ...this.ids(repository),
          imageTagMutability: mutability,
          imageTagMutabilityExclusionFilters: filters.length > 0 ? filters : undefined,
        };
      }
      case 'DescribeImages': return this.describeImages(input);
      case 'PutImage': {
        const repository = this.target(operation, input);
        if (typeof input.imageManifest !== 'string' || input.imageManifest.length === 0) {
          throw new EcrError('InvalidParameterException', 'Invalid parameter at \'imageManifest\' failed to satisfy constraint: \'Member must not be null\'');
        }
        const image = this.putImage(repository, input.imageManifest, input.imageManifestMediaType ?? 'application/vnd.oci.image.manifest.v1+json',
          input.imageTag, new Date(), input.imageManifest.length);
        return {
          image: {
            ...this.ids(repository),
            imageId: { imageDigest: image.digest, imageTag: input.imageTag },
            imageManifest: image.manifest,
            imageManifestMediaType: image.manifestMediaType,
          },
        };
      }
      default:
        throw new EcrError('UnknownOperationException', '');
    }
  }

  private describeRepositories(input: Record<string, any>): unknown {
    const registryId = this.registryIdOf(input);
    const names: string[] = input.repositoryNames ?? [];
    if (input.repositoryNames !== undefined && (names.length < 1 || names.length > 100)) {
      throw new EcrError('InvalidParameterException', 'Invalid parameter at \'repositoryNames\' failed to satisfy constraint: \'Member must have length between 1 and 100\'');
    }
    for (const name of names) {
      this.authorize('DescribeRepositories', this.arn(registryId, name), registryId);
    }
    if (names.length === 0) {
      this.authorize('DescribeRepositories', this.arn(registryId, '*'), registryId);
    }
    const registry = this.registry(registryId);
    const missing = names.find((n) => !registry.has(n));
    if (missing) {
      throw new EcrError('RepositoryNotFoundException', `The repository with name '${missing}' does not exist in the registry with id '${registryId}'`);
    }
    const repositories = (names.length > 0 ? names : [...registry.keys()]).map((n) => this.describe(registry.get(n) as StoredRepository));
    return { repositories };
  }

  private createRepository(input: Record<string, any>): unknown {
    const registryId = this.registryIdOf(input);
    const name = validName(input.repositoryName);
    this.authorize('CreateRepository', this.arn(registryId, name), registryId);
    const { mutability, filters } = validateMutability({
      imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
      imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters,
    });
    if (this.registry(registryId).has(name)) {
      throw new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registryId}'`);
    }
    const repository = this.addRepository(name, {
      registryId, scanOnPush: input.imageScanningConfiguration?.scanOnPush === true, imageTagMutability: mutability, exclusionFilters: filters,
    });
    return { repository: this.describe(repository) };
  }

  private describeImages(input: Record<string, any>): unknown {
    const repository = this.target('DescribeImages', input);
    const max = input.maxResults ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw new EcrError('InvalidParameterException', 'Invalid parameter at \'maxResults\' failed to satisfy constraint: \'Member must have value between 1 and 1000\'');
    }
    if (input.imageIds !== undefined) {
      if (input.nextToken !== undefined || input.maxResults !== undefined || input.filter !== undefined) {
        throw new EcrError('InvalidParameterException', 'Invalid parameter at \'imageIds\': imageIds cannot be combined with nextToken, maxResults or filter');
      }
      return {
        imageDetails: (input.imageIds as Array<{ imageTag?: string; imageDigest?: string }>).map((id) => {
          const image = repository.images.find((i) => (id.imageTag === undefined || i.tags.includes(id.imageTag))
            && (id.imageDigest === undefined || i.digest === id.imageDigest));
          if (!image) {
            throw new EcrError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository.name}' in the registry with id '${repository.registryId}'`);
          }
          return this.detail(repository, image);
        }),
      };
    }
    const status = input.filter?.tagStatus ?? 'ANY';
    const images = repository.images.filter((i) => status === 'ANY' || (status === 'TAGGED') === (i.tags.length > 0));
    const start = Number(input.nextToken ?? 0);
    const end = start + Math.min(max, this.pageSize);
    return {
      imageDetails: images.slice(start, end).map((i) => this.detail(repository, i)),
      nextToken: end < images.length ? String(end) : undefined,
    };
  }

  private putImage(
    repository: StoredRepository, manifest: string, mediaType: string, tag: string | undefined, pushedAt: Date, sizeBytes: number,
  ): StoredImage {
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    if (tag !== undefined && !IMAGE_TAG.test(tag)) {
      throw new EcrError('InvalidParameterException', `Invalid parameter at 'imageTag' failed to satisfy constraint: '${tag}'`);
    }
    const holder = tag === undefined ? undefined : repository.images.find((i) => i.tags.includes(tag));
    if (tag !== undefined && holder && tagIsImmutable(repository, tag)) {
      // ECR refuses even the same digest on an immutable tag.
      throw new EcrError('ImageTagAlreadyExistsException',
        `The image tag '${tag}' already exists in the '${repository.name}' repository and cannot be overwritten because the tag is immutable.`);
    }
    let image = repository.images.find((i) => i.digest === digest);
    if (image && tag !== undefined && image.tags.includes(tag)) {
      throw new EcrError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repository.name}' in the registry with id '${repository.registryId}'`);
    }
    if (holder && tag !== undefined) {
      holder.tags = holder.tags.filter((t) => t !== tag);
    }
    if (!image) {
      image = { digest, manifest, manifestMediaType: mediaType, tags: [], pushedAt, sizeBytes };
      repository.images.push(image);
    }
    if (tag !== undefined) {
      image.tags.push(tag);
    }
    return image;
  }

  // ---- helpers ----

  private registry(registryId: string): Map<string, StoredRepository> {
    let registry = this.registries.get(registryId);
    if (!registry) {
      registry = new Map();
      this.registries.set(registryId, registry);
    }
    return registry;
  }

  private registryIdOf(input: Record<string, any>): string {
    const registryId = input.registryId ?? this.callerAccount;
    if (!REGISTRY_ID.test(registryId)) {
      throw new EcrError('InvalidParameterException', 'Invalid parameter at \'registryId\' failed to satisfy constraint: \'must satisfy regular expression \'[0-9]{12}\'\'');
    }
    return registryId;
  }

  /** The repository a single-repository operation names, after the access checks ECR makes. */
  private target(operation: string, input: Record<string, any>): StoredRepository {
    const registryId = this.registryIdOf(input);
    const name = validName(input.repositoryName);
    this.authorize(operation, this.arn(registryId, name), registryId);
    const repository = this.registry(registryId).get(name);
    if (!repository) {
      throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);
    }
    return repository;
  }

  /**
   * IAM's decision: another account's registry needs a repository policy
   * (none here), and the caller's identity policy must allow the action.
   */
  private authorize(operation: string, resource: string, registryId = this.callerAccount): void {
    const action = `ecr:${operation}`;
    const denied = (reason: string) => new EcrError('AccessDeniedException',
      `User: ${this.callerArn} is not authorized to perform: ${action} on resource: ${resource} because ${reason}`);
    if (this.identityPolicy && !allows(this.identityPolicy, action, resource)) {
      throw denied(`no identity-based policy allows the ${action} action`);
    }
    if (registryId !== this.callerAccount) {
      throw denied(`no resource-based policy allows the ${action} action`);
    }
  }

  /** The two ids every answer about a repository carries. */
  private ids(repository: StoredRepository): { registryId: string; repositoryName: string } {
    return { registryId: repository.registryId, repositoryName: repository.name };
  }

  private arn(registryId: string, name: string): string {
    return `arn:aws:ecr:${this.region}:${registryId}:repository/${name}`;
  }

  private describe(repository: StoredRepository): unknown {
    return {
      repositoryArn: this.arn(repository.registryId, repository.name),
      registryId: repository.registryId,
      repositoryName: repository.name,
      repositoryUri: `${repository.registryId}.dkr.ecr.${this.region}.amazonaws.com/${repository.name}`,
      createdAt: repository.createdAt.getTime() / 1000,
      imageTagMutability: repository.imageTagMutability,
      ...(repository.exclusionFilters.length > 0 ? { imageTagMutabilityExclusionFilters: repository.exclusionFilters } : {}),
      imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  private detail(repository: StoredRepository, image: StoredImage): unknown {
    return {
      registryId: repository.registryId,
      repositoryName: repository.name,
      imageDigest: image.digest,
      ...(image.tags.length > 0 ? { imageTags: [...image.tags] } : {}),
      imageSizeInBytes: image.sizeBytes,
      imagePushedAt: image.pushedAt.getTime() / 1000,
      imageManifestMediaType: image.manifestMediaType,
    };
  }
}

/** Whether pushing `tag` again would be refused: ECR's wildcard filters, `*` for any run of characters. */
export function tagIsImmutable(repository: Pick<StoredRepository, 'imageTagMutability' | 'exclusionFilters'>, tag: string): boolean {
  const excluded = repository.exclusionFilters.some((f) => new RegExp(`^${f.filter.split('*').map(escapeRegExp).join('.*')}$`).test(tag));
  switch (repository.imageTagMutability) {
    case 'IMMUTABLE': return true;
    case 'IMMUTABLE_WITH_EXCLUSION': return !excluded;
    case 'MUTABLE_WITH_EXCLUSION': return excluded;
    default: return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
    throw new EcrError('InvalidParameterException',
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${REPOSITORY_NAME.source}''`);
  }
  return name;
}

/** PutImageTagMutability's rules: 1 to 5 WILDCARD filters, only with a *_WITH_EXCLUSION setting. */
function validateMutability(input: Record<string, any>): { mutability: string; filters: ExclusionFilter[] } {
  const mutability = input.imageTagMutability;
  if (!MUTABILITIES.includes(mutability)) {
    throw new EcrError('InvalidParameterException', `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${MUTABILITIES.join(', ')}]'`);
  }
  const filters: ExclusionFilter[] = input.imageTagMutabilityExclusionFilters ?? [];
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && (filters.length < 1 || filters.length > 5)) {
    throw new EcrError('InvalidParameterException', 'Invalid parameter at \'imageTagMutabilityExclusionFilters\' failed to satisfy constraint: \'Member must have length between 1 and 5\'');
  }
  if (!withExclusion && filters.length > 0) {
    throw new EcrError('InvalidParameterException', `Invalid parameter: imageTagMutabilityExclusionFilters can only be given with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${mutability}`);
  }
  for (const f of filters) {
    if (f.filterType !== 'WILDCARD' || typeof f.filter !== 'string' || !EXCLUSION_FILTER.test(f.filter)) {
      throw new EcrError('InvalidParameterException', `Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: filter '${f.filter}' of type '${f.filterType}' must be WILDCARD and match '${EXCLUSION_FILTER.source}'`);
    }
  }
  return { mutability, filters: filters.map((f) => ({ filter: f.filter, filterType: f.filterType })) };
}

/** The checks ECR makes of a lifecycle policy before storing it. */
function validateLifecyclePolicy(text: unknown): any {
  const invalid = (why: string) => new EcrError('InvalidParameterException',
    `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${why}'`);
  if (typeof text !== 'string' || text.length < 100 || text.length > 30720) {
    throw new EcrError('InvalidParameterException', 'Invalid parameter at \'lifecyclePolicyText\' failed to satisfy constraint: \'Member must have length between 100 and 30720\'');
  }
  let policy: any;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid('the text is not JSON');
  }
  if (!Array.isArray(policy.rules) || policy.rules.length === 0) {
    throw invalid('object has missing required properties (["rules"])');
  }
  const priorities = new Set<number>();
  for (const rule of policy.rules) {
    const s = rule.selection ?? {};
    if (!Number.isInteger(rule.rulePriority) || rule.rulePriority < 1 || priorities.has(rule.rulePriority)) {
      throw invalid(`rulePriority ${rule.rulePriority} must be a unique whole number of at least 1`);
    }
    priorities.add(rule.rulePriority);
    if (!['tagged', 'untagged', 'any'].includes(s.tagStatus)) {
      throw invalid(`tagStatus '${s.tagStatus}' is not one of tagged, untagged, any`);
    }
    const lists = [...(s.tagPatternList ?? []), ...(s.tagPrefixList ?? [])];
    if (s.tagStatus === 'tagged' && lists.length === 0) {
      throw invalid('a tagged rule needs tagPatternList or tagPrefixList');
    }
    if (s.tagStatus !== 'tagged' && lists.length > 0) {
      throw invalid(`a ${s.tagStatus} rule cannot have tagPatternList or tagPrefixList`);
    }
    for (const pattern of s.tagPatternList ?? []) {
      if (pattern.split('*').length - 1 > 4) {
        throw invalid(`tag pattern '${pattern}' has more than 4 wildcards`);
      }
    }
    if (!['imageCountMoreThan', 'sinceImagePushed'].includes(s.countType)) {
      throw invalid(`countType '${s.countType}' is not supported`);
    }
    if ((s.countType === 'sinceImagePushed') !== (s.countUnit === 'days')) {
      throw invalid('countUnit days goes with sinceImagePushed and only with it');
    }
    if (!Number.isInteger(s.countNumber) || s.countNumber < 1) {
      throw invalid(`countNumber ${s.countNumber} must be a whole number of at least 1`);
    }
    if (rule.action?.type !== 'expire') {
      throw invalid(`action type '${rule.action?.type}' is not supported`);
    }
  }
  const anyRule = policy.rules.find((r: any) => r.selection.tagStatus === 'any');
  if (anyRule && anyRule.rulePriority !== Math.max(...priorities)) {
    throw invalid('a rule with tagStatus any must have the highest rulePriority');
  }
  return policy;
}

/**
 * The text GetLifecyclePolicy returns: ECR stores its own serialization, with
 * the rules ordered by priority (Terraform's aws_ecr_lifecycle_policy documents
 * the reordering), not the caller's bytes.
 */
function asEcrStoresIt(policy: any): string {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority).map((rule) => {
    const s = rule.selection;
    return {
      rulePriority: rule.rulePriority,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      selection: {
        tagStatus: s.tagStatus,
        ...(s.tagPatternList ? { tagPatternList: s.tagPatternList } : {}),
        ...(s.tagPrefixList ? { tagPrefixList: s.tagPrefixList } : {}),
        countType: s.countType,
        ...(s.countUnit ? { countUnit: s.countUnit } : {}),
        countNumber: s.countNumber,
      },
      action: { type: rule.action.type },
    };
  });
  return JSON.stringify({ rules });
}

function allows(policy: PolicyDocument, action: string, resource: string): boolean {
  const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(value);
  return policy.Statement.some((s) => s.Effect === 'Allow'
    && [s.Action].flat().some((a) => glob(a, action))
    && [s.Resource ?? []].flat().some((r) => glob(r, resource)));
}

function defaultMessage(type: string): string {
  switch (type) {
    case 'ThrottlingException': return 'Rate exceeded';
    case 'ServerException': return 'We encountered an internal error. Please try again.';
    default: return `${type} injected by the test`;
  }
}
