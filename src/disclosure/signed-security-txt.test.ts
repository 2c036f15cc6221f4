import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gpgVerifyCleartext } from '../../test/support/gpg.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { generateKeyForOrganisation, getOrganisationKey } from './organisation-key.ts';
import { validateSecurityTxt } from './security-txt.ts';

// A maker with a key gets a security.txt that gpg accepts, names the key for encryption, and
// never outlives the key that signed it (RFC 9116 §2.3, §2.5.5).

let platform: TestPlatform;
let organisationId: string;
before(async () => {
  platform = await startTestPlatform({ PUBLIC_URL: 'https://connectable.test' });
  ({ organisationId } = await ownerOf(platform, 'Signing Makers', 'owner@signing.test'));
});
after(async () => platform.close());

const fetchTxt = async () => (await platform.app.inject('/disclose/signing-makers/security.txt')).body;

test('with a signing key, security.txt is cleartext-signed, gpg --verify accepts it, and it names the key', async () => {
  await generateKeyForOrganisation(platform.db, { label: 'test', organisationId }, { email: 'security@signing.test', validDays: '730' });
  const key = await getOrganisationKey(platform.db, organisationId);
  assert.ok(key);
  const text = await fetchTxt();
  assert.match(text, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n/);
  assert.match(text, /^Encryption: https:\/\/connectable\.test\/disclose\/signing-makers\/openpgp-key\.asc$/m);
  const verified = await gpgVerifyCleartext(key.publicKey, text);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stderr, /Good signature/);
  const tampered = text.replace('Policy: https://connectable.test', 'Policy: https://attacker.test');
  assert.notEqual((await gpgVerifyCleartext(key.publicKey, tampered)).code, 0, 'a changed file fails');
  const result = validateSecurityTxt(text, { url: 'https://connectable.test/disclose/signing-makers/security.txt' });
  assert.deepEqual(result.problems.filter((p) => p.severity === 'error'), []);
  assert.equal(await fetchTxt(), text, 'the same content is not signed again on every request');
  const published = await platform.app.inject('/disclose/signing-makers/openpgp-key.asc');
  assert.equal(published.body.trim(), key.publicKey.trim());
});

test('Expires never outlives the signing key, and a new key re-signs the file', async () => {
  const before = await fetchTxt();
  await generateKeyForOrganisation(platform.db, { label: 'test', organisationId }, { email: 'security@signing.test', validDays: '60' });
  const key = await getOrganisationKey(platform.db, organisationId);
  const text = await fetchTxt();
  assert.notEqual(text, before);
  const expires = Date.parse(/^Expires: (.+)$/m.exec(text)?.[1] ?? '');
  assert.ok(key?.expiresAt && expires <= key.expiresAt.getTime() - 86_400_000, `Expires ${new Date(expires).toISOString()} is before the key expires (${key?.expiresAt?.toISOString()})`);
  assert.equal((await gpgVerifyCleartext(key?.publicKey ?? '', text)).code, 0);
});
