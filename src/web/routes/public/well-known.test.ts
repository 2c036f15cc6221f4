import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSecurityTxt } from '../../../disclosure/index.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';

test('the installation publishes its own valid security.txt from SECURITY_CONTACT', async () => {
  const platform = await startTestPlatform({ SECURITY_CONTACT: 'mailto:security@connectable.test', PUBLIC_URL: 'https://connectable.test' });
  try {
    const r = await platform.app.inject('/.well-known/security.txt');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(r.body, /^Contact: mailto:security@connectable\.test$/m);
    const result = validateSecurityTxt(r.body, { url: 'https://connectable.test/.well-known/security.txt' });
    assert.deepEqual(result.problems.filter((p) => p.severity === 'error'), []);
  } finally {
    await platform.close();
  }
});

test('without SECURITY_CONTACT the file is missing, and the answer says which variable to set', async () => {
  const platform = await startTestPlatform();
  try {
    const r = await platform.app.inject('/.well-known/security.txt');
    assert.equal(r.statusCode, 404);
    assert.match(r.body, /SECURITY_CONTACT/);
  } finally {
    await platform.close();
  }
});

test('a malformed SECURITY_CONTACT stops start-up with the variable named', async () => {
  await assert.rejects(startTestPlatform({ SECURITY_CONTACT: 'security@example.com' }), /SECURITY_CONTACT: must be a mailto:/);
});
