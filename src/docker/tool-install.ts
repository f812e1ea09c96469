/**
 * The `RUN` scripts that download, verify and install each tool in the
 * Dockerfile's tools stage. They run under the base image's `/bin/sh`, read
 * the version from their build argument and install below {@link TOOLS_PREFIX},
 * which the final stage copies whole.
 */

/** Where the tools stage installs; the image puts `<prefix>/bin` on PATH. */
export const TOOLS_PREFIX = '/opt/tools';

/**
 * The AWS CLI release signing key, by fingerprint. The key itself is fetched
 * at build time; a signature counts only when GnuPG reports it valid and made
 * by this primary key.
 *
 * @see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html#getting-started-install-instructions
 */
export const AWS_CLI_KEY_FINGERPRINT = 'FB5DB77FD5C118B80511ADA8A6310ACC4672475C';

/** The vendor's name for this machine's architecture, in `$arch`; one line, as RUN joins commands with ';'. */
function archCase(tool: string, arches: Record<string, string>): string {
  const known = Object.entries(arches).map(([machine, name]) => `${machine}) arch=${name} ;;`).join(' ');
  return `case "$(uname -m)" in ${known} *) echo "${tool}: no release for architecture $(uname -m)" >&2; exit 1 ;; esac`;
}

/** AWS CLI v2: the versioned zip, checked against its detached PGP signature. */
export function awsCliInstall(versionArg: string): string[] {
  const base = `https://awscli.amazonaws.com/awscli-exe-linux-\${arch}-\${${versionArg}}.zip`;
  return [
    'set -eu',
    archCase('AWS CLI', { x86_64: 'x86_64', aarch64: 'aarch64' }),
    'cd "$(mktemp -d)"',
    `curl -fsSLo awscliv2.zip "${base}"`,
    `curl -fsSLo awscliv2.zip.sig "${base}.sig"`,
    `curl -fsSLo aws-cli.asc "https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&search=0x${AWS_CLI_KEY_FINGERPRINT}"`,
    'GNUPGHOME="$(mktemp -d)"',
    'export GNUPGHOME',
    'gpg --batch --quiet --import aws-cli.asc',
    // VALIDSIG ends with the primary key's fingerprint: any other key, or a bad signature, stops the build.
    `gpg --batch --status-fd 1 --verify awscliv2.zip.sig awscliv2.zip | grep -Eq '^\\[GNUPG:\\] VALIDSIG .* ${AWS_CLI_KEY_FINGERPRINT}$'`,
    'unzip -q awscliv2.zip',
    `./aws/install --install-dir ${TOOLS_PREFIX}/aws-cli --bin-dir ${TOOLS_PREFIX}/bin`,
    `${TOOLS_PREFIX}/bin/aws --version`,
  ];
}

/** kubectl: the release binary, checked against its published sha256. */
export function kubectlInstall(versionArg: string): string[] {
  const base = `https://dl.k8s.io/release/v\${${versionArg}}/bin/linux/\${arch}/kubectl`;
  return [
    'set -eu',
    archCase('kubectl', { x86_64: 'amd64', aarch64: 'arm64' }),
    'cd "$(mktemp -d)"',
    `curl -fsSLo kubectl "${base}"`,
    `curl -fsSLo kubectl.sha256 "${base}.sha256"`,
    'echo "$(cat kubectl.sha256)  kubectl" | sha256sum --check --strict',
    `install -D -m 0755 kubectl ${TOOLS_PREFIX}/bin/kubectl`,
    `${TOOLS_PREFIX}/bin/kubectl version --client`,
  ];
}
