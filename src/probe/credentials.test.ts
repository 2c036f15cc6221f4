import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialsFor, miraiCredentials, parseCredentialList } from './credentials.ts';

const pair = (c: { username: string; password: string }): string => `${c.username}:${c.password}`;

describe('which credentials the probe tries, in which order', () => {
  it('tries the maker list first, then the recognised vendor, then generic defaults', () => {
    const list = credentialsFor({
      service: 'http',
      fingerprint: { vendor: 'Hikvision', evidence: 'title' },
      maker: [{ username: 'factory', password: 'Eng1neer!', source: 'maker list' }],
    });
    assert.equal(pair(list[0] ?? { username: '', password: '' }), 'factory:Eng1neer!');
    const hik = list.findIndex((c) => pair(c) === 'admin:12345');
    const generic = list.findIndex((c) => pair(c) === 'admin:admin');
    assert.ok(hik > 0 && hik < generic, 'the vendor default comes before the generic ones');
    assert.match(list[hik]?.source ?? '', /^vendor:Hikvision/);
  });

  it('puts the pairs a protocol knows for the product before everything but the maker list', () => {
    const list = credentialsFor({ service: 'http', fingerprintPairs: [{ username: 'admin', password: 'from-recipe', source: 'recipe' }] });
    assert.equal(list[0]?.password, 'from-recipe');
  });

  it('adds Mirai’s table on telnet and SSH, not on the web', () => {
    const mirai = new Set(miraiCredentials().map(pair));
    assert.equal(mirai.size >= 60, true);
    assert.ok(credentialsFor({ service: 'telnet' }).some((c) => pair(c) === 'root:xc3511'));
    assert.ok(!credentialsFor({ service: 'http' }).some((c) => pair(c) === 'root:xc3511'));
  });

  it('tries only community strings on SNMP', () => {
    const list = credentialsFor({ service: 'snmp', maker: [{ username: '', password: 'plant-floor', source: 'maker list' }, { username: 'admin', password: 'x', source: 'maker list' }] });
    assert.equal(list[0]?.password, 'plant-floor');
    assert.ok(list.every((c) => c.username === ''));
    assert.ok(list.some((c) => c.password === 'public') && list.some((c) => c.password === 'private'));
  });

  it('never tries the same pair twice', () => {
    const list = credentialsFor({ service: 'telnet', fingerprint: { vendor: 'ZTE', evidence: 'banner' } });
    assert.equal(new Set(list.map(pair)).size, list.length);
  });

  it('tries nothing but the maker list when told to', () => {
    assert.deepEqual(credentialsFor({ service: 'ssh', maker: [{ username: 'a', password: 'b', source: 'maker list' }], makerOnly: true }).map(pair), ['a:b']);
  });
});

describe('the maker’s credential file', () => {
  it('reads hydra’s user:password lines, a password alone, comments and blank lines', () => {
    const { credentials } = parseCredentialList('# ours\nadmin:se:cret\n\n:blank-user\ncommunity-only\n');
    assert.deepEqual(credentials.map(pair), ['admin:se:cret', ':blank-user', ':community-only']);
  });

  it('reads CSV with a service column', () => {
    const { credentials, services } = parseCredentialList('username,password,service\nadmin,one,telnet\nroot,two,\n');
    assert.deepEqual(credentials.map(pair), ['admin:one', 'root:two']);
    assert.deepEqual(services, ['telnet', undefined]);
  });

  it('says which line is wrong', () => {
    assert.throws(() => parseCredentialList('username,password,service\nadmin,one,gopher\n', 'creds.csv'), /creds.csv, line 2: unknown service "gopher"/);
    assert.throws(() => parseCredentialList('username,password,service\nadmin\n', 'creds.csv'), /line 2: expected 3 comma-separated fields/);
    assert.throws(() => parseCredentialList('# nothing\n\n', 'creds.txt'), /creds.txt holds no credentials/);
  });
});
