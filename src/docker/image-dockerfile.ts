import { FileBase } from 'projen/lib/file';
import { PROVENANCE_ARGS } from './build-args';
import { toolKeyPath, TOOLS_PREFIX } from './tool-install';
import type { PythonPackage } from '../declaration/python-package';
import type { ContainerImage } from '../platform/container-image';

const TOOLS_STAGE = 'tools';

/**
 * The Dockerfile projen writes for an image from its declared layers.
 *
 * Layers run from least to most volatile (system packages, heavy Python
 * packages, the other Python packages, tools, environment, scripts) so a change
 * to a script rebuilds only the scripts' COPY. Tools are downloaded and
 * verified in a stage of their own; only what they install reaches the image.
 * The provenance arguments are declared last: their values change with every
 * commit, and an engine's cache treats an argument in scope as an input of
 * every later RUN.
 *
 * @see https://docs.docker.com/build/building/best-practices/
 */
export class ImageDockerfile extends FileBase {
  constructor(public readonly image: ContainerImage) {
    super(image, image.dockerfile, { readonly: true, marker: true });
  }

  protected synthesizeContent(): string {
    const image = this.image;
    const versions = new Map(image.buildArgs.map((a) => [a.name, a.value]));
    const blocks: string[][] = [
      [
        `# ${this.marker}`,
        `# ${image.repository}: built by ${image.workflowPath} and \`npx projen build-image:${image.imageId}\`,`,
        `# with the build arguments listed in ${image.buildArgsFile}.`,
      ],
      [`ARG BASE_IMAGE=${versions.get('BASE_IMAGE')}`],
    ];
    if (image.tools.length > 0) {
      const packages = [...new Set(image.tools.flatMap((t) => t.downloadPackages))].sort();
      blocks.push([
        `FROM \${BASE_IMAGE} AS ${TOOLS_STAGE}`,
        aptInstall(packages),
        ...image.tools.flatMap((tool) => [
          ...tool.buildArgs.map((a) => `ARG ${a.name}=${a.value}`),
          ...(tool.signingKey ? [`COPY ${tool.signingKey.path} ${toolKeyPath(tool.signingKey.fingerprint)}`] : []),
          run(tool.installCommands(), ';'),
        ]),
      ]);
    }
    const final = ['FROM ${BASE_IMAGE}'];
    if (image.systemPackages.length > 0) {
      final.push(aptInstall(image.systemPackages));
    }
    final.push(...pipInstall(image.heavyPythonPackages), ...pipInstall(image.pythonPackages));
    if (image.tools.length > 0) {
      final.push(
        `COPY --from=${TOOLS_STAGE} ${TOOLS_PREFIX}/ ${TOOLS_PREFIX}/`,
        `ENV PATH="${TOOLS_PREFIX}/bin:\${PATH}"`,
      );
    }
    final.push(...Object.entries(image.env).map(([name, value]) => `ENV ${name}="${escapeDoubleQuoted(value)}"`));
    final.push(`WORKDIR ${image.workdir}`);
    final.push(...image.scripts.map((s) => `COPY ${s.source}/ ${s.destination === '/' ? '/' : `${s.destination}/`}`));
    final.push(...PROVENANCE_ARGS.map((a) => `ARG ${a.name}`));
    // buildah and podman key a cached LABEL step on its text, not on the values
    // it expands, so a rebuild at a new commit would keep the old revision. A
    // RUN's cache key holds the values of the build arguments in scope: this
    // no-op misses the cache whenever provenance changes, and the LABEL after
    // it is made anew. It changes no file: BuildKit drops its empty layer,
    // buildah keeps one of a few bytes.
    final.push('RUN true');
    final.push(labels({
      'org.opencontainers.image.title': image.repository,
      ...Object.fromEntries(PROVENANCE_ARGS.map((a) => [a.label, `\${${a.name}}`])),
    }));
    blocks.push(final);
    return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
  }
}

/** One RUN of several commands, one per line. */
function run(commands: readonly string[], separator: '&&' | ';'): string {
  return separator === ';'
    ? `RUN ${commands.join('; \\\n    ')}`
    : `RUN ${commands.join(' \\\n && ')}`;
}

/** apt without recommended packages, and its lists removed in the same layer so they never reach the image. */
function aptInstall(packages: readonly string[]): string {
  return run([
    'apt-get update',
    `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    'rm -rf /var/lib/apt/lists/*',
  ], '&&');
}

/** One pip layer; each pinned version arrives as a build argument declared just before it. */
function pipInstall(packages: readonly PythonPackage[]): string[] {
  if (packages.length === 0) {
    return [];
  }
  const pins = packages.flatMap((p) => (p.buildArg && p.version ? [`ARG ${p.buildArg}=${p.version}`] : []));
  const requirements = packages.map((p) => (p.buildArg ? `"${p.name}==\${${p.buildArg}}"` : p.name));
  return [...pins, `RUN python -m pip install --no-cache-dir --disable-pip-version-check ${requirements.join(' ')}`];
}

function labels(values: Record<string, string>): string {
  return `LABEL ${Object.entries(values).map(([k, v]) => `${k}="${v}"`).join(' \\\n      ')}`;
}

/** A value inside a Dockerfile's double quotes, where '\', '"' and '$' are special. */
function escapeDoubleQuoted(value: string): string {
  return value.replace(/[\\"$]/g, (c) => `\\${c}`);
}
