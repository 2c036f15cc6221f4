import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { basicAuthorization, basicRealm, digestAuthorization, digestChallenge, parseAuthenticate, type DigestChallenge } from './digest.ts';

// RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
const rfcChallenge = (algorithm: string): DigestChallenge => ({
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  algorithm,
  qop: ['auth', 'auth-int'],
  stale: false,
});
const rfcRequest = { method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle of Life' };
const rfcOptions = { cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: 1 };

function param(header: string, name: string): string | undefined {
  return parseAuthenticate(header)[0]?.params[name];
}

test('the RFC 7616 SHA-256 example gives the published response', () => {
  const header = digestAuthorization(rfcChallenge('SHA-256'), rfcRequest, rfcOptions);
  assert.equal(param(header, 'response'), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.equal(param(header, 'qop'), 'auth');
  assert.equal(param(header, 'nc'), '00000001');
  assert.equal(param(header, 'algorithm'), 'SHA-256');
  assert.equal(param(header, 'opaque'), 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  assert.equal(param(header, 'uri'), '/dir/index.html');
});

test('the RFC 7616 MD5 example gives the published response', () => {
  const header = digestAuthorization(rfcChallenge('MD5'), rfcRequest, rfcOptions);
  assert.equal(param(header, 'response'), '8ca523f5e9506fed4657c9700eebdbec');
});

test('the RFC 7616 challenge header reads back as the challenge it carries', () => {
  const header =
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  assert.deepEqual(digestChallenge(header), rfcChallenge('SHA-256'));
  assert.equal(parseAuthenticate(header).length, 2);
});

test('a challenge without qop (RFC 2069) is answered without qop, nc or cnonce', () => {
  const challenge: DigestChallenge = { realm: 'cam', nonce: 'abc', algorithm: 'MD5', qop: [], stale: false };
  const header = digestAuthorization(challenge, { method: 'GET', uri: '/', username: 'admin', password: '12345' });
  const md5 = (s: string): string => crypto.createHash('md5').update(s).digest('hex');
  assert.equal(param(header, 'response'), md5(`${md5('admin:cam:12345')}:abc:${md5('GET:/')}`));
  assert.equal(param(header, 'qop'), undefined);
  assert.equal(param(header, 'cnonce'), undefined);
});

test('MD5-sess folds the nonce and cnonce into HA1', () => {
  const challenge: DigestChallenge = { realm: 'r', nonce: 'n', algorithm: 'MD5-sess', qop: ['auth'], stale: false };
  const md5 = (s: string): string => crypto.createHash('md5').update(s).digest('hex');
  const header = digestAuthorization(challenge, { method: 'GET', uri: '/x', username: 'u', password: 'p' }, { cnonce: 'c', nc: 1 });
  const ha1 = md5(`${md5('u:r:p')}:n:c`);
  assert.equal(param(header, 'response'), md5(`${ha1}:n:00000001:c:auth:${md5('GET:/x')}`));
});

test('quotes and backslashes in a user name are escaped in the header and read back intact', () => {
  const challenge: DigestChallenge = { realm: 'r', nonce: 'n', algorithm: 'MD5', qop: ['auth'], stale: false };
  const header = digestAuthorization(challenge, { method: 'GET', uri: '/', username: 'a"b\\c', password: 'p' });
  assert.equal(param(header, 'username'), 'a"b\\c');
});

test('odd WWW-Authenticate headers from devices are read as far as they make sense', () => {
  // Scheme and parameter names in any case, stale=TRUE, unquoted values, spaces around "=".
  const shouty = digestChallenge('DIGEST REALM = "IP Camera(C6769)" , NONCE=abc123 , Stale=TRUE, QOP=auth');
  assert.deepEqual(shouty, { realm: 'IP Camera(C6769)', nonce: 'abc123', algorithm: 'MD5', qop: ['auth'], stale: true });

  // A comma and an escaped quote inside a quoted realm do not split the challenge.
  assert.equal(digestChallenge('Digest realm="a, \\"b\\"", nonce="n"')?.realm, 'a, "b"');

  // Basic first, Digest second, a token68 scheme between them.
  const mixed = 'Basic realm="router", Negotiate YIIabc==, Digest realm="router", nonce="xyz", qop="auth"';
  assert.deepEqual(
    parseAuthenticate(mixed).map((c) => c.scheme),
    ['Basic', 'Negotiate', 'Digest'],
  );
  assert.equal(basicRealm(mixed), 'router');
  assert.equal(digestChallenge(mixed)?.nonce, 'xyz');

  // Digest without a nonce cannot be answered; Basic without a realm is still Basic.
  assert.equal(digestChallenge('Digest realm="x"'), undefined);
  assert.equal(basicRealm('Basic'), '');
  assert.equal(basicRealm('Digest realm="x", nonce="y"'), undefined);

  // An unterminated quoted string ends the header instead of throwing.
  assert.equal(digestChallenge('Digest realm="never closed, nonce="n'), undefined);
  // Garbage is no challenge at all.
  assert.deepEqual(parseAuthenticate('=== ,,, "'), []);
  assert.equal(digestChallenge(''), undefined);
});

test('a very long header is read only as far as 8 KiB', () => {
  const header = `Digest realm="r", opaque="${'x'.repeat(20000)}", nonce="late"`;
  assert.equal(digestChallenge(header), undefined);
});

test('Basic carries user:password in base64, UTF-8 encoded', () => {
  assert.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.equal(basicAuthorization('admin', 'pässword'), `Basic ${Buffer.from('admin:pässword', 'utf8').toString('base64')}`);
});
