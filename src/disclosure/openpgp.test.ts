import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { ConnectableError } from '../errors.ts';
import {
  cleartextSign,
  decryptWith,
  detachedSign,
  encryptTo,
  generateOrganisationKey,
  importOrganisationKey,
  signingExpiryCap,
  verifyCleartext,
  verifyDetached,
  type OrganisationKey,
} from './openpgp.ts';
import { validateSecurityTxt } from './security-txt.ts';

const DAY_MS = 86_400_000;
const PASSPHRASE = 'tulip';
const SECURITY_TXT = [
  'Contact: mailto:security@example.com',
  'Expires: 2027-06-01T00:00:00.000Z',
  'Encryption: https://example.com/pgp-key.txt',
  '- a line that starts with a dash, which the signature must escape',
  '',
].join('\n');

interface GpgRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real gpg in its own home, in English, and reports its exit code rather than throwing on it. */
function gpg(home: string, args: string[]): Promise<GpgRun> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/gpg',
      ['--homedir', home, '--batch', '--no-tty', '--no-auto-key-retrieve', ...args],
      { timeout: 30_000, env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C' } },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stdout, stderr });
        // A timeout or a missing binary has no numeric exit code; that is a broken test, not a verdict.
        if (typeof error.code !== 'number') return reject(error);
        resolve({ code: error.code, stdout, stderr });
      },
    );
  });
}

/** Accepts only our InvalidInput whose message matches, so each refusal is pinned to what it tells the user. */
const refusedWith = (pattern: RegExp) => (e: unknown): true => {
  assert.ok(e instanceof ConnectableError, `expected a ConnectableError, got ${String(e)}`);
  assert.equal(e.code, 'CONNECTABLE_ERR_INVALID_INPUT');
  assert.match(e.message, pattern);
  return true;
};

/** A key made directly with openpgp.js, for shapes our own generator rightly never makes. */
async function rawKey(options: Partial<Parameters<typeof openpgp.generateKey>[0]> = {}) {
  return openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Other Ltd', email: 'security@other.test' }],
    ...options,
    format: 'armored',
  });
}

let home: string;
let work: string;
let key: OrganisationKey;
let privateKey: string;

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'cn-gnupg-'));
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'cn-pgp-files-'));
  key = await generateOrganisationKey({ name: 'Example Ltd Product Security', email: 'security@example.com', validDays: 730, passphrase: PASSPHRASE });
  assert.ok(key.privateKey);
  privateKey = key.privateKey;
  const keyFile = path.join(work, 'organisation.asc');
  await fs.writeFile(keyFile, key.publicKey);
  const imported = await gpg(home, ['--import', keyFile]);
  assert.equal(imported.code, 0, imported.stderr);
});

after(async () => {
  // gpg may have started an agent for this home; stop it before its socket directory goes.
  await new Promise<void>((resolve) => execFile('/usr/bin/gpgconf', ['--homedir', home, '--kill', 'all'], { timeout: 10_000 }, () => resolve()));
  await fs.rm(home, { recursive: true, force: true });
  await fs.rm(work, { recursive: true, force: true });
});

describe('generating the organisation key', () => {
  test('makes an Ed25519 signing key with a Cv25519 encryption subkey that expires after the days asked for', async () => {
    assert.match(key.fingerprint, /^[0-9A-F]{40}$/);
    assert.deepEqual(key.userIds, ['Example Ltd Product Security <security@example.com>']);
    assert.equal(key.canSign, true);
    assert.equal(key.canEncrypt, true);
    assert.ok(key.expiresAt);
    assert.ok(Math.abs(key.expiresAt.getTime() - (Date.now() + 730 * DAY_MS)) < 5 * 60_000, `expires ${key.expiresAt.toISOString()}`);
    const parsed = await openpgp.readKey({ armoredKey: key.publicKey });
    assert.equal(parsed.isPrivate(), false, 'the public half carries no secret');
    assert.deepEqual(parsed.getAlgorithmInfo(), { algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    assert.deepEqual(parsed.subkeys.map((s) => s.getAlgorithmInfo()), [{ algorithm: 'ecdh', curve: 'curve25519Legacy' }]);
  });

  test('gives the private key armored and locked by the passphrase', async () => {
    assert.match(privateKey, /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const parsed = await openpgp.readPrivateKey({ armoredKey: privateKey });
    assert.equal(parsed.isDecrypted(), false);
    await assert.rejects(openpgp.decryptKey({ privateKey: parsed, passphrase: 'not it' }));
    assert.equal((await openpgp.decryptKey({ privateKey: parsed, passphrase: PASSPHRASE })).isDecrypted(), true);
  });

  test('gpg reads the public key with its fingerprint, user ID and expiry', async () => {
    const listed = await gpg(home, ['--with-colons', '--list-keys', key.fingerprint]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^fpr:+${key.fingerprint}:`, 'm'));
    assert.match(listed.stdout, /^uid:.*Example Ltd Product Security <security@example.com>/m);
    const expiry = /^pub:[^:]*:\d+:\d+:[0-9A-F]+:\d+:(\d+):/m.exec(listed.stdout)?.[1];
    assert.equal(Number(expiry) * 1000, key.expiresAt?.getTime());
  });

  test('refuses a missing name, a malformed address, a validity outside 1 to 3650 days and an empty passphrase, naming each field', async () => {
    await assert.rejects(generateOrganisationKey({ name: ' ', email: 'security', validDays: 0, passphrase: '' }), (e: unknown) => {
      refusedWith(/check name, email, validDays, passphrase/)(e);
      assert.ok(e instanceof ConnectableError);
      assert.deepEqual(Object.keys(e.fields ?? {}).sort(), ['email', 'name', 'passphrase', 'validDays']);
      return true;
    });
    await assert.rejects(generateOrganisationKey({ name: 'A <b>', email: 'a@b.test', validDays: 3651, passphrase: 'x' }), refusedWith(/check name, validDays/));
  });
});

describe('signing security.txt (cleartext signature)', () => {
  let signed: string;
  before(async () => {
    signed = await cleartextSign(SECURITY_TXT, privateKey, PASSPHRASE);
  });

  test('writes an RFC 4880 cleartext-signed message that gpg --verify accepts', async () => {
    assert.match(signed, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n/);
    assert.match(signed, /^- - a line that starts with a dash/m, 'dash-escaped');
    const file = path.join(work, 'security.txt');
    await fs.writeFile(file, signed);
    const verified = await gpg(home, ['--verify', file]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature from "Example Ltd Product Security <security@example.com>"/);
    assert.match(verified.stderr, new RegExp(key.fingerprint.slice(-16)));
  });

  test('gpg --verify fails once the signed text is changed', async () => {
    const tampered = signed.replace('security@example.com', 'attacker@example.net');
    assert.notEqual(tampered, signed);
    const file = path.join(work, 'security-tampered.txt');
    await fs.writeFile(file, tampered);
    const verified = await gpg(home, ['--verify', file]);
    assert.notEqual(verified.code, 0);
    assert.match(verified.stderr, /BAD signature/);
    assert.doesNotMatch(verified.stderr, /Good signature/);
  });

  test('verifyCleartext gives back the text and the signer, and says no to a changed text or another key', async () => {
    const good = await verifyCleartext(signed, key.publicKey);
    assert.deepEqual(good, { valid: true, text: SECURITY_TXT, signedBy: key.fingerprint });
    const changed = await verifyCleartext(signed.replace('2027-06-01', '2099-06-01'), key.publicKey);
    assert.equal(changed.valid, false);
    assert.equal(changed.signedBy, null);
    const other = await rawKey();
    assert.equal((await verifyCleartext(signed, other.publicKey)).valid, false);
  });

  test('the signed file reads as signed, with a well-formed frame, to the security.txt validator', () => {
    const v = validateSecurityTxt(signed, { now: new Date('2026-01-01T00:00:00Z') });
    assert.equal(v.signed, true);
    assert.deepEqual(v.problems.filter((p) => p.rule.startsWith('rfc4880')), []);
  });

  test('verifyCleartext refuses text that is not a signed message', async () => {
    await assert.rejects(verifyCleartext(SECURITY_TXT, key.publicKey), refusedWith(/not a cleartext-signed message/));
  });
});

describe('signing a CSAF document (detached signature)', () => {
  // CRLF, a non-ASCII character and trailing spaces: a text-mode signature would smooth these over.
  const document = new TextEncoder().encode('{"document":{"title":"Hub firmware – advisory"}}  \r\n');
  let signature: string;
  let documentFile: string;
  before(async () => {
    signature = await detachedSign(document, privateKey, PASSPHRASE);
    documentFile = path.join(work, 'advisory.json');
    await fs.writeFile(documentFile, document);
    await fs.writeFile(`${documentFile}.asc`, signature);
  });

  test('writes an armored signature that gpg --verify file.asc file accepts', async () => {
    assert.match(signature, /^-----BEGIN PGP SIGNATURE-----\n/);
    const verified = await gpg(home, ['--verify', `${documentFile}.asc`, documentFile]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature from "Example Ltd Product Security <security@example.com>"/);
  });

  test('gpg --verify fails when one byte of the file differs', async () => {
    const changed = path.join(work, 'advisory-changed.json');
    await fs.writeFile(changed, Buffer.from(document).toString('utf8').replace('\r\n', '\n'));
    const verified = await gpg(home, ['--verify', `${documentFile}.asc`, changed]);
    assert.notEqual(verified.code, 0);
    assert.match(verified.stderr, /BAD signature/);
  });

  test('verifyDetached agrees with gpg, and a string is signed as its UTF-8 bytes', async () => {
    assert.equal(await verifyDetached(document, signature, key.publicKey), true);
    assert.equal(await verifyDetached(document.slice(0, -1), signature, key.publicKey), false);
    const text = 'Hub firmware – advisory\n';
    const overText = await detachedSign(text, privateKey, PASSPHRASE);
    assert.equal(await verifyDetached(new TextEncoder().encode(text), overText, key.publicKey), true);
    assert.equal(await verifyDetached(text, overText, key.publicKey), true);
  });

  test('verifyDetached refuses a signature that is not one', async () => {
    await assert.rejects(verifyDetached(document, 'iQIzBAEBCAAd', key.publicKey), refusedWith(/not an OpenPGP signature/));
  });
});

describe('what a researcher encrypts, the maker reads', () => {
  test('a message encrypted to the public key comes back with the private key and passphrase', async () => {
    const report = 'The hub accepts telnet with root/root on port 2323.\nSteps: …';
    const encrypted = await encryptTo(report, key.publicKey);
    assert.match(encrypted, /^-----BEGIN PGP MESSAGE-----\n/);
    assert.ok(!encrypted.includes('telnet'));
    assert.equal(await decryptWith(encrypted, privateKey, PASSPHRASE), report);
  });

  test('a message gpg encrypts to the key is read too', async () => {
    const plain = path.join(work, 'report.txt');
    await fs.writeFile(plain, 'Found with gpg 2.2.\n');
    const encrypted = await gpg(home, ['--trust-model', 'always', '--armor', '--encrypt', '--recipient', key.fingerprint, '--output', '-', plain]);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.equal(await decryptWith(encrypted.stdout, privateKey, PASSPHRASE), 'Found with gpg 2.2.\n');
  });

  test('the wrong passphrase, another key, or a non-message is refused', async () => {
    const encrypted = await encryptTo('secret', key.publicKey);
    await assert.rejects(decryptWith(encrypted, privateKey, 'tulips'), refusedWith(/passphrase does not unlock/));
    const other = await rawKey();
    await assert.rejects(decryptWith(encrypted, other.privateKey, ''), refusedWith(/cannot be decrypted with this key/));
    await assert.rejects(decryptWith('hello', privateKey, PASSPHRASE), refusedWith(/not an OpenPGP message/));
  });
});

describe('signing needs the private key and its passphrase', () => {
  test('the wrong passphrase is refused', async () => {
    await assert.rejects(cleartextSign('x', privateKey, 'tulips'), refusedWith(/passphrase does not unlock/));
    await assert.rejects(detachedSign('x', privateKey, ''), refusedWith(/passphrase does not unlock/));
  });

  test('a public key alone cannot sign', async () => {
    const publicOnly = await importOrganisationKey(key.publicKey, PASSPHRASE);
    assert.equal(publicOnly.canSign, false);
    assert.equal(publicOnly.privateKey, null);
    await assert.rejects(cleartextSign('x', key.publicKey, PASSPHRASE), refusedWith(/public key; signing and decrypting need the private key/));
  });
});

describe('importing a key the organisation already has', () => {
  test('a public key is kept as it is: it can encrypt, not sign', async () => {
    const imported = await importOrganisationKey(key.publicKey, PASSPHRASE);
    assert.deepEqual({ ...imported, publicKey: undefined }, {
      fingerprint: key.fingerprint,
      publicKey: undefined,
      privateKey: null,
      expiresAt: key.expiresAt,
      userIds: key.userIds,
      canSign: false,
      canEncrypt: true,
    });
    assert.equal((await openpgp.readKey({ armoredKey: imported.publicKey })).getFingerprint().toUpperCase(), key.fingerprint);
  });

  test('a protected private key is unlocked with its current passphrase and locked again with the new one', async () => {
    const imported = await importOrganisationKey(privateKey, 'lily', PASSPHRASE);
    assert.equal(imported.fingerprint, key.fingerprint);
    assert.equal(imported.canSign, true);
    assert.ok(imported.privateKey);
    await assert.rejects(cleartextSign('x', imported.privateKey, PASSPHRASE), refusedWith(/passphrase does not unlock/));
    const signed = await cleartextSign('x', imported.privateKey, 'lily');
    assert.equal((await verifyCleartext(signed, key.publicKey)).valid, true);
  });

  test('a protected private key without its current passphrase, or with a wrong one, is refused', async () => {
    await assert.rejects(importOrganisationKey(privateKey, 'lily'), refusedWith(/protected by a passphrase\. Give its current passphrase/));
    await assert.rejects(importOrganisationKey(privateKey, 'lily', 'tulips'), refusedWith(/current passphrase does not unlock/));
  });

  test('an unprotected private key comes back protected by the passphrase', async () => {
    const bare = await rawKey();
    assert.equal((await openpgp.readPrivateKey({ armoredKey: bare.privateKey })).isDecrypted(), true);
    const imported = await importOrganisationKey(bare.privateKey, 'lily');
    assert.ok(imported.privateKey);
    assert.equal((await openpgp.readPrivateKey({ armoredKey: imported.privateKey })).isDecrypted(), false);
    assert.equal(imported.expiresAt, null, 'a key without expiry says so');
    await assert.rejects(importOrganisationKey(bare.privateKey, ''), refusedWith(/Give a passphrase/));
  });

  test('text that is not a key, or is far too large to be one, is refused', async () => {
    await assert.rejects(importOrganisationKey('hello', PASSPHRASE), refusedWith(/not an OpenPGP key/));
    await assert.rejects(importOrganisationKey('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n', PASSPHRASE), refusedWith(/not an OpenPGP key/));
    await assert.rejects(importOrganisationKey(await encryptTo('x', key.publicKey), PASSPHRASE), refusedWith(/not an OpenPGP key/));
    await assert.rejects(importOrganisationKey(`${key.publicKey}\n${'A'.repeat(100_001)}`, PASSPHRASE), refusedWith(/larger than 100 kB/));
  });

  test('more than one key is refused, as two blocks or as one block holding two', async () => {
    const other = await rawKey();
    await assert.rejects(importOrganisationKey(`${key.publicKey}\n${other.publicKey}`, PASSPHRASE), refusedWith(/2 armored key blocks; give one key only/));
    const both = [key.publicKey, other.publicKey].map(async (armoredKey) => (await openpgp.readKey({ armoredKey })).write());
    const [a, b] = await Promise.all(both);
    assert.ok(a && b);
    const joined = openpgp.armor(openpgp.enums.armor.publicKey, new Uint8Array([...a, ...b]));
    await assert.rejects(importOrganisationKey(joined, PASSPHRASE), refusedWith(/holds 2 keys; give one key only/));
  });

  test('an expired key is refused, with the date and how to extend it', async () => {
    const made = new Date(Date.now() - 10 * DAY_MS);
    const expired = await rawKey({ date: made, keyExpirationTime: 86_400 });
    const day = new Date(made.getTime() + DAY_MS).toISOString().slice(0, 10);
    await assert.rejects(importOrganisationKey(expired.publicKey, PASSPHRASE), refusedWith(new RegExp(`expired on ${day}\\. Extend it \\(gpg --quick-set-expire`)));
  });

  test('a revoked key is refused', async () => {
    const fresh = await rawKey();
    const { publicKey: revoked } = await openpgp.revokeKey({
      key: await openpgp.readKey({ armoredKey: fresh.publicKey }),
      revocationCertificate: fresh.revocationCertificate,
      format: 'armored',
    });
    await assert.rejects(importOrganisationKey(revoked, PASSPHRASE), refusedWith(/has been revoked/));
  });

  test('RSA keys under 2048 bits are refused', async () => {
    const weak = await rawKey({ type: 'rsa', rsaBits: 1024, config: { minRSABits: 1024 } });
    await assert.rejects(importOrganisationKey(weak.publicKey, PASSPHRASE), refusedWith(/RSA keys under 2048 bits are refused: its primary key has 1024 bits/));
  });

  test('a key with no subkey that can encrypt is refused, saying encryption needs one', async () => {
    const signOnly = await rawKey({ subkeys: [] });
    await assert.rejects(importOrganisationKey(signOnly.publicKey, PASSPHRASE), refusedWith(/no valid subkey that can encrypt\. .*encryption needs one/));
  });
});

describe('signingExpiryCap: a signed security.txt never outlives its key', () => {
  const wanted = new Date('2027-06-01T00:00:00Z');

  test('without a key expiry, the wanted date stands', () => {
    assert.deepEqual(signingExpiryCap(null, wanted), wanted);
  });

  test('a key that outlives the wanted date leaves it alone', () => {
    assert.deepEqual(signingExpiryCap(new Date('2028-01-01T00:00:00Z'), wanted), wanted);
  });

  test('a key that expires first pulls the date to one day before the key expires', () => {
    assert.deepEqual(signingExpiryCap(new Date('2027-03-10T12:00:00Z'), wanted), new Date('2027-03-09T12:00:00Z'));
    assert.deepEqual(signingExpiryCap(new Date('2027-06-01T12:00:00Z'), wanted), new Date('2027-05-31T12:00:00Z'), 'less than a day of margin is not enough');
  });

  test('for any dates, the cap is the earlier of the wanted date and a day before expiry', () => {
    const instant = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((t) => new Date(t));
    fc.assert(
      fc.property(instant, instant, (expiry, want) => {
        const cap = signingExpiryCap(expiry, want).getTime();
        assert.ok(cap <= want.getTime());
        assert.ok(cap <= expiry.getTime() - DAY_MS);
        assert.ok(cap === want.getTime() || cap === expiry.getTime() - DAY_MS);
      }),
    );
  });

  test('the wanted date is copied, not shared', () => {
    assert.notEqual(signingExpiryCap(null, wanted), wanted);
  });
});
