import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How buildah stores layers: `vfs` copies the whole root file system for each
 * step and needs no kernel support; `overlay` stacks layers as a runner's
 * Docker and BuildKit do, which this machine's kernel allows as root.
 */
export type StorageDriver = 'vfs' | 'overlay';

/**
 * buildah on a storage of its own below `root`, so a test never touches the
 * machine's images and removing the folder removes everything it made.
 * Chroot isolation needs no user namespaces.
 */
export class Buildah {
  /** The environment every buildah call, and every task the test runs, gets. */
  public readonly env: Record<string, string>;

  constructor(public readonly root: string, driver: StorageDriver = 'vfs') {
    mkdirSync(root, { recursive: true });
    const conf = join(root, 'storage.conf');
    writeFileSync(conf, [
      '[storage]',
      `driver = "${driver}"`,
      `runroot = "${join(root, 'run')}"`,
      `graphroot = "${join(root, 'graph')}"`,
      '',
    ].join('\n'));
    this.env = { CONTAINERS_STORAGE_CONF: conf, STORAGE_DRIVER: driver, BUILDAH_ISOLATION: 'chroot' };
  }

  /** Runs buildah; throws with its output when it fails. */
  public run(...args: string[]): string {
    const result = this.spawn(args);
    if (result.status !== 0) {
      throw new Error(`buildah ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
    }
    return result.stdout.trim();
  }

  public spawn(args: string[]): SpawnSyncReturns<string> {
    const result = spawnSync('buildah', args, { encoding: 'utf8', env: { ...process.env, ...this.env } });
    if (result.error) {
      throw new Error(`buildah could not run (${result.error.message}); install it with 'apt-get install buildah' (.ci/run does)`);
    }
    return result;
  }

  /** An image's config and manifest, as `buildah inspect` reports them. */
  public inspect(image: string): ImageFacts {
    const raw = JSON.parse(this.run('inspect', '--type', 'image', image));
    const manifest = JSON.parse(raw.Manifest);
    return {
      layers: manifest.layers.map((l: { digest: string }) => l.digest),
      history: raw.OCIv1.history.map((h: { created_by?: string; empty_layer?: boolean }) => ({
        createdBy: h.created_by ?? '', emptyLayer: h.empty_layer ?? false,
      })),
      labels: raw.OCIv1.config?.Labels ?? {},
      env: raw.OCIv1.config?.Env ?? [],
      platform: `${raw.OCIv1.os}/${raw.OCIv1.architecture}`,
    };
  }

  /** Removes every image and container of this storage. */
  public removeAll(): void {
    this.spawn(['rm', '--all']);
    this.spawn(['rmi', '--all', '--force']);
  }
}

export interface ImageFacts {
  /** Layer digests, base first. */
  readonly layers: string[];
  /** One entry per instruction; only those without `emptyLayer` made a layer. */
  readonly history: Array<{ createdBy: string; emptyLayer: boolean }>;
  readonly labels: Record<string, string>;
  readonly env: string[];
  /** `os/architecture` from the image config, e.g. `linux/amd64`. */
  readonly platform: string;
}
