import type { ImageInputs, PinsIntent } from '../intent';
import type { PinsLock } from '../lock-file';

/** One pinned input whose resolved value moved. */
export interface InputChange {
  /** What it is and its key, e.g. `base image python:3.11-slim`. */
  readonly input: string;
  readonly from: string;
  readonly to: string;
}

/** Each image's inputs tag before and after the upgrade, by image id. */
export type Fingerprints = Readonly<Record<string, string>>;

const short = (digest: string | undefined) => (digest ? digest.slice(0, 'sha256:'.length + 12) : 'unpinned');
const version = (v: string | undefined) => v ?? 'unpinned';

function changed(input: string, from: string, to: string): InputChange[] {
  return from === to ? [] : [{ input, from, to }];
}

/** The changes among the inputs one image is built from. */
export function imageChanges(inputs: ImageInputs, before: PinsLock, after: PinsLock): InputChange[] {
  const base = inputs.baseImage;
  return [
    ...changed(`base image ${base}`, short(before.baseImages[base]?.digest), short(after.baseImages[base]?.digest)),
    ...inputs.tools.flatMap((t) => changed(t, version(before.tools[t]?.version), version(after.tools[t]?.version))),
    ...inputs.pythonPackages.flatMap((p) =>
      changed(`python ${p}`, version(before.pythonPackages[p]?.version), version(after.pythonPackages[p]?.version))),
  ];
}

/** The action pins that moved; they change workflows, never an image's inputs. */
export function actionChanges(before: PinsLock, after: PinsLock): InputChange[] {
  const label = (a: PinsLock['actions'][string] | undefined) => (a ? `${a.tag} (${a.commit.slice(0, 7)})` : 'unpinned');
  return Object.keys(after.actions).sort().flatMap((repo) =>
    changed(repo, label(before.actions[repo]), label(after.actions[repo])));
}

/**
 * The upgrade's plan, as Markdown: for each image the inputs that changed and
 * whether it rebuilds (its inputs tag moves) or keeps its promoted image, then
 * the action pins. It is printed and becomes the pull request's description.
 */
export function renderPlan(
  intent: PinsIntent, before: PinsLock, after: PinsLock, fingerprintsBefore: Fingerprints, fingerprintsAfter: Fingerprints,
): string {
  const lines = ['## Pinned inputs', ''];
  for (const id of Object.keys(intent.images)) {
    const changes = imageChanges(intent.images[id], before, after);
    const [old, now] = [fingerprintsBefore[id], fingerprintsAfter[id]];
    lines.push(old === now
      ? `- **${id}** stays promoted: its inputs tag stays \`${now}\``
      : `- **${id}** rebuilds: \`${old}\` → \`${now}\`${changes.length === 0 ? ' (no pinned input changed: its generated files did)' : ''}`);
    lines.push(...changes.map((c) => `  - ${c.input}: ${c.from} → ${c.to}`));
  }
  const actions = actionChanges(before, after);
  lines.push('', '## Actions', '');
  lines.push(...actions.length === 0
    ? ['No action pin changed.']
    : actions.map((c) => `- ${c.input}: ${c.from} → ${c.to} (workflows only; no image rebuilds for it)`));
  return `${lines.join('\n')}\n`;
}
