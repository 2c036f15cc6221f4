// The organisation's OpenPGP key and what disclosure does with it: sign security.txt (RFC 9116
// §2.3 asks for an RFC 4880 cleartext signature), sign CSAF advisories (a detached `.asc` beside
// each document, CSAF 2.0 §7.1.20), and read the reports researchers encrypt to the key.
// Everything written here must verify with the gpg a researcher or an aggregator already has, so
// keys are v4 with the "legacy" Ed25519/Cv25519 algorithms: GnuPG 2.2 and 2.4 cannot read the
// RFC 9580 Ed25519 keys that openpgp.js would otherwise make.
// Keys and armored messages come from users, so each is size-bounded before it is parsed, and every
// refusal is an InvalidInput that says what to do instead. The library's own messages are kept as
// the cause only: they are not written for our users and the API never shows a cause.

import * as openpgp from 'openpgp';
import { ConnectableError } from '../errors.ts';

export interface OrganisationKey {
  /** The primary key's fingerprint, upper-case hex without spaces, as gpg prints it. */
  fingerprint: string;
  /** The public key (certificate), armored: what security.txt's Encryption field points at. */
  publicKey: string;
  /** The private key, armored and protected by the organisation's passphrase; null for a public key. */
  privateKey: string | null;
  /** When the key stops being usable (the earliest of the primary key and the subkeys we use); null if never. */
  expiresAt: Date | null;
  userIds: string[];
  canSign: boolean;
  canEncrypt: boolean;
}

export interface NewOrganisationKey {
  /** Usually the organisation's name, e.g. "Example Ltd Product Security". */
  name: string;
  /** The address reports reach, e.g. security@example.com. */
  email: string;
  validDays: number;
  passphrase: string;
}

/** A public key with a few subkeys and signatures is a few kB; 100 kB leaves room for many certifications. */
export const MAX_KEY_BYTES = 100_000;
/** Signed and encrypted messages (security.txt, a report with its pasted logs) stay far below this. */
export const MAX_MESSAGE_BYTES = 5_000_000;
/** The refusal line: RSA under 2048 bits is breakable with public means (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;
/** Ten years: a longer-lived key outlives any rotation policy we can state. */
export const MAX_VALID_DAYS = 3650;

const DAY_MS = 86_400_000;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
// Control characters and angle brackets would break the "Name <email>" user ID gpg shows.
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f<>]/;

const refuse = (message: string, cause?: unknown): ConnectableError =>
  new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', message, cause === undefined ? {} : { cause });

/** Creates the organisation's key: an Ed25519 signing primary and a Cv25519 encryption subkey. */
export async function generateOrganisationKey(opts: NewOrganisationKey): Promise<OrganisationKey> {
  const name = opts.name.trim();
  const email = opts.email.trim();
  const fields: Record<string, string> = {};
  if (!name || name.length > 200 || NAME_FORBIDDEN.test(name)) fields.name = 'Give a name of 1 to 200 characters without "<", ">" or line breaks, e.g. "Example Ltd Product Security".';
  if (!EMAIL.test(email) || email.length > 254) fields.email = 'Give the address reports should reach, e.g. security@example.com.';
  if (!Number.isInteger(opts.validDays) || opts.validDays < 1 || opts.validDays > MAX_VALID_DAYS) {
    fields.validDays = `Give a whole number of days from 1 to ${MAX_VALID_DAYS}; two years (730) is usual.`;
  }
  // The strength policy for passphrases belongs to the caller (passwords/); here an empty one
  // would leave the private key unprotected, which openpgp.js would do silently.
  if (opts.passphrase.length === 0) fields.passphrase = 'Give a passphrase: the private key is stored protected by it.';
  const wrong = Object.keys(fields);
  if (wrong.length > 0) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `The key cannot be made: check ${wrong.join(', ')}.`, { fields });
  }
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email }],
    passphrase: opts.passphrase,
    keyExpirationTime: opts.validDays * 86_400,
    format: 'object',
  });
  return describeKey(privateKey, privateKey.armor(), true);
}

/**
 * Takes in a key the organisation already has. A public key is kept as it is; a private key is
 * unlocked with `currentPassphrase` (if it is protected) and handed back protected by `passphrase`.
 */
export async function importOrganisationKey(armored: string, passphrase: string, currentPassphrase?: string): Promise<OrganisationKey> {
  const key = await readOneKey(armored, 'The key');
  await assertUsable(key);
  if (!key.isPrivate()) return describeKey(key, null, false);

  if (passphrase.length === 0) throw refuse('Give a passphrase: the private key is stored protected by it.');
  let unlocked: openpgp.PrivateKey = key;
  if (!key.isDecrypted()) {
    if (currentPassphrase === undefined || currentPassphrase.length === 0) {
      throw refuse('This private key is protected by a passphrase. Give its current passphrase as well, so it can be unlocked and protected again with the new one.');
    }
    unlocked = await unlockWith(key, currentPassphrase, 'The current passphrase does not unlock this private key. Check it and try again.');
  }
  const canSign = await canSignWith(unlocked);
  const protectedKey = await openpgp.encryptKey({ privateKey: unlocked, passphrase });
  return describeKey(protectedKey, protectedKey.armor(), canSign);
}

/** An RFC 4880 §7 cleartext-signed message, as `gpg --clearsign` writes it. */
export async function cleartextSign(text: string, privateKeyArmored: string, passphrase: string): Promise<string> {
  const signingKey = await unlockPrivateKey(privateKeyArmored, passphrase);
  const message = await openpgp.createCleartextMessage({ text });
  try {
    return await openpgp.sign({ message, signingKeys: signingKey });
  } catch (e) {
    throw cannotSign(e);
  }
}

/** An armored detached signature over the exact bytes (a string is signed as its UTF-8 bytes). */
export async function detachedSign(data: Uint8Array | string, privateKeyArmored: string, passphrase: string): Promise<string> {
  const signingKey = await unlockPrivateKey(privateKeyArmored, passphrase);
  // A binary signature, not a text one: the .asc must verify against the file as served, byte for
  // byte, whatever its line endings.
  const message = await openpgp.createMessage({ binary: bytesOf(data) });
  try {
    return await openpgp.sign({ message, signingKeys: signingKey, detached: true });
  } catch (e) {
    throw cannotSign(e);
  }
}

/**
 * Checks a cleartext-signed message against one public key. A signature that does not match gives
 * `valid: false`; input that is not a signed message or not a key is refused. `signedBy` is the
 * fingerprint of the key's primary key, even when a subkey made the signature.
 */
export async function verifyCleartext(signed: string, publicKeyArmored: string): Promise<{ valid: boolean; text: string; signedBy: string | null }> {
  bounded(signed, MAX_MESSAGE_BYTES, 'The signed message');
  const key = await readOneKey(publicKeyArmored, 'The public key');
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: signed });
  } catch (e) {
    throw refuse('This is not a cleartext-signed message: it must start with "-----BEGIN PGP SIGNED MESSAGE-----" and end with a signature block, as gpg --clearsign writes it.', e);
  }
  const valid = await anyVerified(openpgp.verify({ message, verificationKeys: key.toPublic() }));
  return { valid, text: message.getText(), signedBy: valid ? fingerprintOf(key) : null };
}

/** Checks a detached signature over the exact bytes of `data`. */
export async function verifyDetached(data: Uint8Array | string, signatureArmored: string, publicKeyArmored: string): Promise<boolean> {
  bounded(signatureArmored, MAX_KEY_BYTES, 'The signature');
  const key = await readOneKey(publicKeyArmored, 'The public key');
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: signatureArmored });
  } catch (e) {
    throw refuse('This is not an OpenPGP signature: give the armored block from "-----BEGIN PGP SIGNATURE-----" to "-----END PGP SIGNATURE-----".', e);
  }
  const message = await openpgp.createMessage({ binary: bytesOf(data) });
  return anyVerified(openpgp.verify({ message, signature, verificationKeys: key.toPublic(), format: 'binary' }));
}

/** Encrypts text to the key's encryption subkey, armored, as a browser encrypts a report. */
export async function encryptTo(text: string, publicKeyArmored: string): Promise<string> {
  const key = await readOneKey(publicKeyArmored, 'The public key');
  const message = await openpgp.createMessage({ text });
  try {
    return await openpgp.encrypt({ message, encryptionKeys: key.toPublic() });
  } catch (e) {
    throw refuse('Nothing can be encrypted to this key: it has no valid encryption subkey (it may have expired or been revoked). Publish a current key.', e);
  }
}

/** Reads a message encrypted to the organisation's key. */
export async function decryptWith(armoredMessage: string, privateKeyArmored: string, passphrase: string): Promise<string> {
  bounded(armoredMessage, MAX_MESSAGE_BYTES, 'The encrypted message');
  const decryptionKey = await unlockPrivateKey(privateKeyArmored, passphrase);
  let message: openpgp.Message<string>;
  try {
    message = await openpgp.readMessage({ armoredMessage });
  } catch (e) {
    throw refuse('This is not an OpenPGP message: give the armored block from "-----BEGIN PGP MESSAGE-----" to "-----END PGP MESSAGE-----".', e);
  }
  try {
    const { data } = await openpgp.decrypt({ message, decryptionKeys: decryptionKey });
    return data;
  } catch (e) {
    throw refuse('This message cannot be decrypted with this key: it was encrypted to another key, or it is damaged. Ask the sender to encrypt it again to the key in your security.txt.', e);
  }
}

/**
 * The latest Expires a signed security.txt may carry: RFC 9116 §2.5.5 Expires must not outlive the
 * key that signs the file, or readers would trust a file whose signature they can no longer check.
 * A day's margin covers clocks and caches; the earlier of that and `wanted` wins.
 */
export function signingExpiryCap(keyExpiresAt: Date | null, wanted: Date): Date {
  if (keyExpiresAt === null) return new Date(wanted.getTime());
  return new Date(Math.min(wanted.getTime(), keyExpiresAt.getTime() - DAY_MS));
}

// ---------------------------------------------------------------------------------------------

function bounded(armored: string, max: number, what: string): void {
  if (Buffer.byteLength(armored, 'utf8') > max) {
    throw refuse(`${what} is larger than ${Math.round(max / 1000)} kB, far more than an OpenPGP block of this kind needs. Check that you pasted the right text.`);
  }
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function fingerprintOf(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

/** Reads exactly one key, public or private, from armored text. */
async function readOneKey(armored: string, what: string): Promise<openpgp.Key> {
  bounded(armored, MAX_KEY_BYTES, what);
  const notAKey = `${what} is not an OpenPGP key. Paste the armored key from "-----BEGIN PGP PUBLIC KEY BLOCK-----" (or PRIVATE KEY BLOCK) to its END line, e.g. the output of gpg --armor --export.`;
  // openpgp.js reads only the first armored block and ignores the rest, so two pasted blocks are
  // counted here rather than one of them being dropped without a word.
  const blocks = armored.match(/-----BEGIN PGP (?:PUBLIC|PRIVATE) KEY BLOCK-----/g)?.length ?? 0;
  if (blocks === 0) throw refuse(notAKey);
  if (blocks > 1) throw refuse(`${what} holds ${blocks} armored key blocks; give one key only.`);
  let keys: openpgp.Key[];
  try {
    keys = await openpgp.readKeys({ armoredKeys: armored });
  } catch (e) {
    throw refuse(notAKey, e);
  }
  const [key] = keys;
  if (key === undefined) throw refuse(notAKey);
  if (keys.length > 1) throw refuse(`${what} holds ${keys.length} keys; give one key only (export it with gpg --armor --export <fingerprint>).`);
  return key;
}

/** Refuses keys that correspondents' software would reject or that give no protection. */
async function assertUsable(key: openpgp.Key): Promise<void> {
  const fingerprint = fingerprintOf(key);
  if (await key.isRevoked()) throw refuse(`Key ${fingerprint} has been revoked by its owner and cannot be used. Import or generate a current key.`);
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= Date.now()) {
    throw refuse(`Key ${fingerprint} expired on ${expires.toISOString().slice(0, 10)}. Extend it (gpg --quick-set-expire ${fingerprint} 2y) and import it again, or generate a new key.`);
  }
  try {
    await key.verifyPrimaryKey();
  } catch (e) {
    throw refuse(`Key ${fingerprint} has no valid self-signature, so no one can trust its user IDs. Export it again from the software that made it, or generate a new key.`, e);
  }
  // Every subkey counts, not only the one we would use: the certificate is published, and other
  // software may pick a weak subkey that openpgp.js would skip.
  for (const part of [key, ...key.subkeys]) {
    const { algorithm, bits } = part.getAlgorithmInfo();
    const which = part === key ? 'its primary key' : `subkey ${part.getFingerprint().toUpperCase()}`;
    if ((algorithm === 'rsaEncryptSign' || algorithm === 'rsaEncrypt' || algorithm === 'rsaSign') && (bits ?? 0) < MIN_RSA_BITS) {
      throw refuse(`RSA keys under ${MIN_RSA_BITS} bits are refused: ${which} has ${bits ?? 0} bits. Generate an Ed25519 key (or RSA of 3072 bits or more).`);
    }
    if (algorithm === 'dsa' || algorithm === 'elgamal') {
      throw refuse(`DSA and ElGamal keys are refused (${which} is ${algorithm.toUpperCase()}): current OpenPGP software no longer accepts them. Generate an Ed25519 key.`);
    }
  }
  try {
    await key.getEncryptionKey();
  } catch (e) {
    throw refuse(
      `Key ${fingerprint} has no valid subkey that can encrypt. Researchers encrypt their reports to this key, so encryption needs one: add it (gpg --quick-add-key ${fingerprint} cv25519 encr) and import the key again.`,
      e,
    );
  }
}

/** A private key can sign when it has a valid signing key whose secret is present (not a gnu-dummy stub). */
async function canSignWith(key: openpgp.PrivateKey): Promise<boolean> {
  try {
    const signing = await key.getSigningKey();
    const packet = signing.keyPacket;
    return !(packet instanceof openpgp.SecretKeyPacket || packet instanceof openpgp.SecretSubkeyPacket) || !packet.isDummy();
  } catch {
    return false;
  }
}

async function unlockWith(key: openpgp.PrivateKey, passphrase: string, wrong: string): Promise<openpgp.PrivateKey> {
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (e) {
    throw refuse(wrong, e);
  }
}

/** Reads the organisation's private key and unlocks it for one operation. */
async function unlockPrivateKey(armored: string, passphrase: string): Promise<openpgp.PrivateKey> {
  const key = await readOneKey(armored, 'The private key');
  if (!key.isPrivate()) throw refuse('This is a public key; signing and decrypting need the private key. Import the private key (gpg --armor --export-secret-keys <fingerprint>).');
  if (key.isDecrypted()) return key;
  return unlockWith(key, passphrase, 'The passphrase does not unlock the organisation key. Check it and try again.');
}

function cannotSign(cause: unknown): ConnectableError {
  return refuse('This key cannot sign: it has no valid signing key (it may have expired or been revoked, or only its subkeys were exported). Import or generate a current key.', cause);
}

async function anyVerified(result: Promise<{ signatures: { verified: Promise<true> }[] }>): Promise<boolean> {
  const { signatures } = await result;
  for (const s of signatures) {
    // A signature that does not match, or was made by another key, rejects; that is a "no", not an error.
    if (await s.verified.then(() => true, () => false)) return true;
  }
  return false;
}

async function describeKey(key: openpgp.Key, privateKey: string | null, canSign: boolean): Promise<OrganisationKey> {
  const ends: (Date | number | null)[] = [await key.getExpirationTime().catch(() => null)];
  const encryption = await key.getEncryptionKey().catch(() => null);
  if (encryption) ends.push(await encryption.getExpirationTime().catch(() => null));
  const signing = await key.getSigningKey().catch(() => null);
  if (signing) ends.push(await signing.getExpirationTime().catch(() => null));
  const times = ends.filter((t): t is Date => t instanceof Date).map((t) => t.getTime());
  return {
    fingerprint: fingerprintOf(key),
    publicKey: key.toPublic().armor(),
    privateKey,
    expiresAt: times.length > 0 ? new Date(Math.min(...times)) : null,
    userIds: key.getUserIDs(),
    canSign,
    canEncrypt: encryption !== null,
  };
}
