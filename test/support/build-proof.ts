import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Buildah } from './buildah';
import { buildBusyboxBaseImage } from './busybox-base-image';
import { gitRepo, runScript, ScriptRun } from './git-fixture';
import type { LocalRegistry } from './registry';
import { fingerprintArguments, FingerprintedImage, renderFingerprintFunctions } from '../../src/shell/fingerprint';
import { quote } from '../../src/shell/quote';
import { renderRegistryFunctions } from '../../src/shell/registry-functions';

/** The proof image's inputs, as a declaration would name them. */
export const PROOF_IMAGE: FingerprintedImage = {
  dockerfile: 'Dockerfile',
  buildArgsFile: 'proof.build-args',
  buildInputs: ['Dockerfile', 'proof.build-args', 'scripts'],
};

/** The script whose edit is the scripts-only change. */
export const PROOF_SCRIPT = 'scripts/run.sh';

/**
 * A Dockerfile laid out as the generated ones are: a tools stage, a heavy
 * layer standing for PyTorch (incompressible random data), a light one for the
 * other packages, the tools, environment and working folder, and the script
 * folder copied last. Provenance comes as `--label` flags, after every layer.
 *
 * No stage declares an ARG: buildah 1.28 (Debian 12) looks up its registry
 * cache only before a step it has not run, never after an ARG, and stops
 * looking for the rest of the stage at the first miss, so one ARG in a stage
 * rebuilds every later step of it. buildah 1.29 fixed that (containers/buildah
 * commit 3223610, "pull cache from remote repo after adding content summary").
 */
export function proofDockerfile(heavyMegabytes: number): string {
  return [
    'ARG BASE_IMAGE',
    '',
    'FROM ${BASE_IMAGE} AS tools',
    'RUN mkdir -p /opt/tools/bin && printf \'#!/bin/sh\\necho tool 1.0\\n\' > /opt/tools/bin/tool && chmod 755 /opt/tools/bin/tool',
    '',
    'FROM ${BASE_IMAGE}',
    `RUN mkdir -p /opt/heavy && head -c ${heavyMegabytes}m /dev/urandom > /opt/heavy/torch.bin`,
    'RUN mkdir -p /opt/light && echo "mlflow boto3" > /opt/light/packages.txt',
    'COPY --from=tools /opt/tools/ /opt/tools/',
    'ENV PATH="/opt/tools/bin:${PATH}"',
    'WORKDIR /scripts',
    'COPY scripts/ /scripts/',
    '',
  ].join('\n');
}

/** A git checkout on `main` holding the proof image's inputs and one unrelated file. */
export function proofRepository(baseImage: string, heavyMegabytes: number): string {
  return gitRepo({
    'Dockerfile': proofDockerfile(heavyMegabytes),
    [PROOF_IMAGE.buildArgsFile]: `# Build arguments of the proof image.\nBASE_IMAGE=${baseImage}\n`,
    [PROOF_SCRIPT]: 'echo version 1\n',
    '.dockerignore': '.git/\n',
    'README.md': '# proof\n',
  });
}

/** Builds the busybox base image in a storage of its own and pushes it, as a public base image would be. */
export function pushBaseImage(root: string, registry: LocalRegistry, name: string): string {
  const buildah = new Buildah(join(root, 'base-image-storage'));
  const ref = `${registry.host}/${name}`;
  try {
    buildBusyboxBaseImage(buildah, ref);
    buildah.run('push', '--quiet', '--tls-verify=false', ref);
  } finally {
    buildah.removeAll();
    rmSync(buildah.root, { recursive: true, force: true });
  }
  return ref;
}

/**
 * What a CI job would run for one image, with the real fingerprint and
 * registry functions: compute the fingerprint; if the registry has the
 * inputs tag, promote it to TAG; otherwise build with the registry cache kept
 * in the image's own repository, push under the inputs tag and promote that.
 * Prints `fingerprint <sha256>`, `inputs-tag <tag>`, then `built <digest>` or
 * `promoted <digest>`.
 */
export function renderBuildOrPromoteStep(image: FingerprintedImage = PROOF_IMAGE): string {
  return [
    'set -euo pipefail',
    renderFingerprintFunctions(),
    renderRegistryFunctions(),
    '',
    `fingerprint=$(inputs_fingerprint "$PLATFORM" ${fingerprintArguments(image).map(quote).join(' ')})`,
    'inputs=$(inputs_tag "$fingerprint")',
    'printf \'fingerprint %s\\ninputs-tag %s\\n\' "$fingerprint" "$inputs"',
    'status=0',
    'manifest_digest "$REGISTRY" "$REPOSITORY" "$inputs" >/dev/null || status=$?',
    'case "$status" in',
    '  0) action=promoted ;;',
    '  1)',
    '    action=built',
    '    args=()',
    '    while IFS= read -r line || [[ -n "$line" ]]; do',
    '      [[ -z "$line" || "$line" == "#"* ]] || args+=(--build-arg "$line")',
    `    done < ${quote(image.buildArgsFile)}`,
    '    ref="$REGISTRY/$REPOSITORY"',
    `    buildah bud --layers --cache-from "$ref" --cache-to "$ref" --file ${quote(image.dockerfile)} "\${args[@]}" \\`,
    '      --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" --tag "$ref:$inputs" . >&2',
    '    buildah push --quiet "$ref:$inputs" >&2 ;;',
    '  *) exit 1 ;;',
    'esac',
    'digest=$(promote_image "$REGISTRY" "$REPOSITORY" "$inputs" "$TAG")',
    'printf \'%s %s\\n\' "$action" "$digest"',
    '',
  ].join('\n');
}

/** One run of the step on a fresh runner. */
export interface StepResult extends ScriptRun {
  readonly fingerprint: string;
  readonly inputsTag: string;
  /** `built` or `promoted`. */
  readonly action: string;
  readonly digest: string;
  /** Wall time of the whole step. */
  readonly seconds: number;
  /** The images left in the runner's storage when the step ended. */
  readonly runnerImages: string[];
}

/** The platform the machine's buildah builds for, in OCI terms. */
export const HOST_PLATFORM = `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;

/**
 * Runs the step in `checkout` on a runner whose container storage is new and
 * is deleted afterwards, as on a GitHub-hosted runner: every layer not in the
 * registry must be built, every layer reused must be pulled.
 */
export function runOnFreshRunner(root: string, checkout: string, registry: LocalRegistry, env: { REPOSITORY: string; TAG: string }): StepResult {
  const buildah = new Buildah(join(root, `runner-${Date.now()}-${Math.random().toString(36).slice(2)}`));
  try {
    const start = performance.now();
    const run = runScript(renderBuildOrPromoteStep(), checkout, {
      ...buildah.env,
      CONTAINERS_REGISTRIES_CONF: registry.registriesConf,
      PLATFORM: HOST_PLATFORM,
      REGISTRY: registry.host,
      ...env,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.status !== 0) {
      throw new Error(`the step failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    const field = (name: string) => run.stdout.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? '';
    const result = run.stdout.match(/^(built|promoted) (\S+)$/m);
    return {
      ...run,
      fingerprint: field('fingerprint'),
      inputsTag: field('inputs-tag'),
      action: result?.[1] ?? '',
      digest: result?.[2] ?? '',
      seconds,
      runnerImages: buildah.run('images', '--quiet').split('\n').filter((l) => l !== ''),
    };
  } finally {
    buildah.removeAll();
    rmSync(buildah.root, { recursive: true, force: true });
  }
}
