import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Throwaway OpenPGP keys in a GnuPG home of their own below `dir`, to sign
 * stand-in downloads. `close()` stops the agent GnuPG started for it.
 */
export class ThrowawayGpg {
  private readonly home: string;

  constructor(dir: string) {
    this.home = join(dir, 'gnupg');
    mkdirSync(this.home, { mode: 0o700 });
  }

  /** A new signing key without passphrase; returns its fingerprint. */
  public generate(uid: string): string {
    this.gpg('--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never');
    const listing = this.gpg('--with-colons', '--list-keys', uid);
    return listing.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9];
  }

  /** The ASCII-armored public key. */
  public exportPublic(fingerprint: string): string {
    return this.gpg('--armor', '--export', fingerprint);
  }

  /** A detached binary signature of `file` by the key. */
  public detachSign(fingerprint: string, file: string): Buffer {
    return execFileSync('gpg', ['--homedir', this.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '',
      '--local-user', fingerprint, '--detach-sign', '--output', '-', file]);
  }

  /** The fingerprints `gpg --show-keys` reads from an armored key file, primary key first. */
  public showFingerprints(armoredFile: string): string[] {
    return this.gpg('--with-colons', '--show-keys', armoredFile).split('\n')
      .filter((l) => l.startsWith('fpr:')).map((l) => l.split(':')[9]);
  }

  public close(): void {
    spawnSync('gpgconf', ['--homedir', this.home, '--kill', 'all']);
  }

  private gpg(...args: string[]): string {
    const result = spawnSync('gpg', ['--homedir', this.home, '--batch', '--pinentry-mode', 'loopback', ...args], { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(`gpg ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}; install it with 'apt-get install gpg' (.ci/install does)`);
    }
    return result.stdout;
  }
}
