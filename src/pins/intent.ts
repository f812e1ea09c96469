import { readFileSync } from 'node:fs';
import { normalizePythonName } from './lock-file';
import { imagePython } from './wheel-platforms';
import { ACTIONS } from '../github/actions';
import type { PlatformView } from '../platform/container-image';

/**
 * Where synthesis writes the declared intent the upgrade task resolves, next
 * to projen's own `deps.json` (the intent its `upgrade` task reads).
 */
export const PINS_INTENT_PATH = '.projen/pins-intent.json';

/**
 * What `.projenrc.ts` and the action table declare, as the upgrade task reads
 * it: for each pinned thing the constraint its new value must keep. The lock
 * (`pins.lock.json`) says what each resolved to.
 */
export interface PinsIntent {
  readonly intentVersion: 1;
  /** By `owner/repo`: the major its releases must stay on. */
  readonly actions: Record<string, ActionIntent>;
  /** By the declared reference, e.g. `python:3.11-slim`: where its tag lives. */
  readonly baseImages: Record<string, BaseImageIntent>;
  /** By tool id, e.g. `kubectl`: the release line it stays on. */
  readonly tools: Record<string, ToolIntent>;
  /** By normalized PyPI name: the declared exact version, if any, and what it must install on. */
  readonly pythonPackages: Record<string, PythonPackageIntent>;
  /** By image id: which of the inputs above the image is built from. */
  readonly images: Record<string, ImageInputs>;
}

export interface ActionIntent {
  /** The major version, e.g. `7` for `v7.x.y`. */
  readonly major: number;
}

export interface BaseImageIntent {
  /** The registry's host, e.g. `registry-1.docker.io`. */
  readonly registry: string;
  /** The repository, e.g. `library/python`. */
  readonly repository: string;
  /** The tag, which stays: only its digest moves. */
  readonly tag: string;
  /** The Python `major.minor` the tag carries (official `python` images), e.g. `3.11`. @default - unknown */
  readonly python?: string;
}

export interface ToolIntent {
  /** The release line: `2` (any 2.x.y) for the AWS CLI, `1.33` (any 1.33.z) for kubectl. */
  readonly track: string;
}

export interface PythonPackageIntent {
  /** The name as declared. */
  readonly name: string;
  /** The exact version `.projenrc.ts` declares, which the lock keeps. @default - the newest release */
  readonly version?: string;
  /** The Python `major.minor` of each base image it is installed on. */
  readonly pythons: string[];
  /** The architectures (`amd64`, `arm64`) of the images it is installed into. */
  readonly architectures: string[];
}

export interface ImageInputs {
  readonly baseImage: string;
  readonly tools: string[];
  readonly pythonPackages: string[];
}

/**
 * Splits an image reference into registry, repository and tag as Docker does:
 * no host means Docker Hub, a bare name means `library/<name>`. A reference
 * already pinned by digest in `.projenrc.ts` is held, and one in local
 * storage (`localhost/...`) has no registry to ask: undefined for both, as
 * synthesis pins neither from the lock.
 */
export function baseImageIntent(reference: string): BaseImageIntent | undefined {
  if (reference.includes('@') || reference.startsWith('localhost/')) {
    return undefined;
  }
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasHost ? first : 'registry-1.docker.io';
  let path = hasHost ? reference.slice(slash + 1) : reference;
  const colon = path.lastIndexOf(':');
  const tag = colon < 0 ? 'latest' : path.slice(colon + 1);
  path = colon < 0 ? path : path.slice(0, colon);
  const repository = !hasHost && !path.includes('/') ? `library/${path}` : path;
  const python = imagePython(reference);
  return { registry, repository, tag, ...(python ? { python } : {}) };
}

function toolTrack(name: string, version: string): string {
  const [major, minor] = version.split('.');
  // kubectl supports one minor of skew to its cluster: it stays on the locked minor (README, "The weekly upgrade").
  return name === 'kubectl' ? `${major}.${minor}` : major;
}

/** The intent of a platform's declaration and of the action table. */
export function pinsIntent(platform: PlatformView): PinsIntent {
  const actions: Record<string, ActionIntent> = {};
  for (const intent of Object.values(ACTIONS)) {
    actions[intent.action] = { major: Number(intent.major.slice(1)) };
  }
  const baseImages: Record<string, BaseImageIntent> = {};
  const tools: Record<string, ToolIntent> = {};
  const pythonPackages: Record<string, PythonPackageIntent> = {};
  const images: Record<string, ImageInputs> = {};
  for (const image of platform.images) {
    const base = baseImageIntent(image.baseImage);
    if (base) {
      baseImages[image.baseImage] = base;
    }
    for (const tool of image.tools) {
      // A declared version holds the tool: the lock's entry is not what the image installs.
      if (!tool.declaresVersion) {
        tools[tool.name] = { track: toolTrack(tool.name, tool.version) };
      }
    }
    const names: string[] = [];
    for (const pkg of image.allPythonPackages) {
      const key = normalizePythonName(pkg.name);
      names.push(key);
      const known = pythonPackages[key];
      const python = imagePython(image.baseImage);
      const pythons = new Set([...known?.pythons ?? [], ...python ? [python] : []]);
      const architectures = new Set([...known?.architectures ?? [], ...image.platforms.map((p) => p.architecture)]);
      pythonPackages[key] = {
        name: pkg.name,
        ...pkg.declaresVersion ? { version: pkg.version } : {},
        pythons: [...pythons].sort(),
        architectures: [...architectures].sort(),
      };
    }
    images[image.imageId] = {
      baseImage: image.baseImage,
      tools: image.tools.map((t) => t.name),
      pythonPackages: names,
    };
  }
  return { intentVersion: 1, actions, baseImages, tools, pythonPackages, images };
}

/** Reads the intent synthesis wrote; one line naming the fix when it is missing or of another version. */
export function readPinsIntent(path: string): PinsIntent {
  let intent: PinsIntent;
  try {
    intent = JSON.parse(readFileSync(path, 'utf8')) as PinsIntent;
  } catch (error) {
    throw new Error(`${path} cannot be read (${(error as Error).message.split('\n')[0]}): run \`npx projen\` first`);
  }
  if (intent.intentVersion !== 1) {
    throw new Error(`${path} has intentVersion ${String(intent.intentVersion)}, expected 1: run \`npx projen\``);
  }
  return intent;
}
