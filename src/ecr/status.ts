import { DescribeImagesCommand, ImageDetail } from '@aws-sdk/client-ecr';
import type { EcrSession } from './ecr-session';
import { EcrTaskError } from './errors';
import type { TaskIo } from './task-io';
import type { EcrManifest, RepositoryDeclaration } from '../aws/ecr-manifest';

/** Images asked for per DescribeImages page (ECR's maximum is 1000). */
export const PAGE_SIZE = 100;

/** One row of the status table: the newest image of one declared repository. */
export interface ImageStatus {
  readonly decl: RepositoryDeclaration;
  readonly newest?: { readonly tags: string[]; readonly pushedAt?: Date; readonly sizeBytes?: number };
  /** Why there is no image to show. */
  readonly note?: string;
  readonly failed?: boolean;
}

/**
 * The newest image a person would run: tagged with something other than
 * build plumbing (`buildcache` is pushed on every build too, and every image
 * carries an `inputs-*` tag), across every page ECR returns, all within one
 * call's deadline.
 */
export async function newestImage(session: EcrSession, decl: RepositoryDeclaration, internalTagPatterns: readonly string[]): Promise<ImageStatus> {
  const internal = internalTagPatterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  const images = await session.callIfPresent('DescribeImages', 'RepositoryNotFoundException', async (o) => {
    const all: ImageDetail[] = [];
    let nextToken: string | undefined;
    do {
      const page = await session.client.send(new DescribeImagesCommand({
        registryId: session.registryId,
        repositoryName: decl.name,
        filter: { tagStatus: 'TAGGED' },
        maxResults: PAGE_SIZE,
        nextToken,
      }), o);
      all.push(...(page.imageDetails ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  });
  if (!images) {
    return { decl, note: 'repository missing: run npx projen ecr:ensure' };
  }
  const candidates = images
    .map((image) => ({ image, tags: (image.imageTags ?? []).filter((t) => !internal.some((r) => r.test(t))).sort() }))
    .filter((c) => c.tags.length > 0)
    .sort((a, b) => (b.image.imagePushedAt?.getTime() ?? 0) - (a.image.imagePushedAt?.getTime() ?? 0));
  const newest = candidates[0];
  if (!newest) {
    return { decl, note: 'no image pushed yet' };
  }
  return { decl, newest: { tags: newest.tags, pushedAt: newest.image.imagePushedAt, sizeBytes: newest.image.imageSizeInBytes } };
}

/** Prints the status table; returns the exit code. */
export async function showStatus(session: EcrSession, manifest: EcrManifest, io: TaskIo): Promise<number> {
  const rows: ImageStatus[] = [];
  for (const decl of manifest.repositories) {
    try {
      rows.push(await newestImage(session, decl, manifest.internalTagPatterns));
    } catch (error) {
      const explained = error instanceof EcrTaskError ? error : new EcrTaskError(String(error), false);
      if (explained.fatal) {
        io.err(`Stopped: ${explained.message}`);
        return 1;
      }
      rows.push({ decl, note: `FAILED: ${explained.message}`, failed: true });
    }
  }
  for (const line of renderStatusTable(rows, io.color)) {
    io.out(line);
  }
  const over = rows.filter(isOver);
  if (over.length > 0) {
    io.out(`${over.length} of ${rows.length} images over their size threshold: ${over.map((r) => r.decl.imageId).join(', ')}`);
  }
  io.out('Sizes are as ECR reports them: compressed, the quantity the build workflow\'s size check warns about.');
  return rows.some((r) => r.failed) ? 1 : 0;
}

function isOver(row: ImageStatus): boolean {
  return row.newest?.sizeBytes !== undefined && row.newest.sizeBytes > row.decl.sizeThreshold.bytes;
}

const HEADERS = ['IMAGE', 'REPOSITORY', 'NEWEST TAGS', 'PUSHED (UTC)', 'SIZE', 'THRESHOLD', ''];

/**
 * The table as lines; over-threshold rows say OVER, in red and bold on a
 * colour terminal. A repository without an image to show gets its note in
 * place of the image columns.
 */
export function renderStatusTable(rows: readonly ImageStatus[], color: boolean): string[] {
  const cells = rows.map((row) => {
    const { decl, newest } = row;
    if (!newest) {
      return [decl.imageId, decl.name];
    }
    const size = newest.sizeBytes;
    const verdict = size === undefined ? ''
      : isOver(row) ? `OVER by ${formatBytes(size - decl.sizeThreshold.bytes)}`
        : `ok (${Math.round((size / decl.sizeThreshold.bytes) * 100)}%)`;
    return [
      decl.imageId,
      decl.name,
      newest.tags.join(', '),
      newest.pushedAt ? newest.pushedAt.toISOString().slice(0, 16).replace('T', ' ') : '',
      size === undefined ? '' : formatBytes(size),
      decl.sizeThreshold.label,
      verdict,
    ];
  });
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const render = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [
    render(HEADERS),
    ...cells.map((c, i) => {
      const row = rows[i];
      if (!row.newest) {
        return `${c.map((v, j) => v.padEnd(widths[j])).join('  ')}  ${row.note ?? ''}`;
      }
      const text = render(c);
      return color && isOver(row) ? `\u001b[1;31m${text}\u001b[0m` : text;
    }),
  ];
}

/** Decimal units, like the size thresholds and the build workflow's size check. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${Math.round(bytes / 1e6)} MB`;
}
