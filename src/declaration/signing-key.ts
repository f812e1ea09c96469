import { Violations } from './violations';

const FINGERPRINT = /^[0-9A-F]{40}$/;
const ARMORED = /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+\n-----END PGP PUBLIC KEY BLOCK-----\n?$/;

/**
 * A vendor's OpenPGP release signing key, shipped in the repository instead
 * of fetched from a key server at build time: a cold build then depends on
 * the vendor's download server only, and a key change is a reviewed diff.
 *
 * The fingerprint is checked twice in the image build: the shipped file must
 * hold exactly this key, and a signature counts only when GnuPG reports it
 * valid and made by it.
 */
export class SigningKey {
  /**
   * @param fingerprint the primary key's full fingerprint, 40 hex digits, as the vendor publishes it
   * @param armored the ASCII-armored public key block, as the vendor publishes it
   */
  public static of(fingerprint: string, armored: string): SigningKey {
    return new SigningKey(fingerprint.replace(/\s+/g, '').toUpperCase(), armored.trim().replace(/\r\n/g, '\n'));
  }

  private constructor(
    /** The primary key's fingerprint, 40 upper-case hex digits. */
    public readonly fingerprint: string,
    /** The armored key block, from `-----BEGIN` to `-----END ...-----`. */
    public readonly armored: string,
  ) {
    const v = new Violations();
    if (!FINGERPRINT.test(fingerprint)) {
      v.add(`signing key fingerprint '${fingerprint}' must be the full 40 hex digit fingerprint, e.g. 'FB5DB77FD5C118B80511ADA8A6310ACC4672475C'`);
    }
    if (!ARMORED.test(armored)) {
      v.add('signing key text must be one ASCII-armored public key block, from \'-----BEGIN PGP PUBLIC KEY BLOCK-----\' to \'-----END PGP PUBLIC KEY BLOCK-----\'');
    }
    v.throwIfAny('Invalid signing key');
  }

  /** Where the key is shipped in the repository (the build context): named by its fingerprint. */
  public get path(): string {
    return `docker/keys/${this.fingerprint}.asc`;
  }
}
