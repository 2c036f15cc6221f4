import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ConnectableError } from '../errors.ts';
import {
  EXPIRY_DAYS,
  generateSecurityTxt,
  nextExpiry,
  parseRfc3339DateTime,
  parseSecurityTxt,
  renewalDate,
  validateSecurityTxt,
  type SecurityTxtInput,
  type SecurityTxtProblem,
  type SecurityTxtValidation,
} from './security-txt.ts';

// The RFC's own examples expire on 2021-12-31, so they are judged as of mid-2021.
const rfcNow = new Date('2021-06-01T00:00:00Z');
const now = new Date('2026-11-26T00:00:00Z');
const soon = '2027-06-01T00:00:00.000Z';

/** A file that passes, around which each test makes one mistake. */
const good = (...extra: string[]): string =>
  ['Contact: mailto:security@example.com', `Expires: ${soon}`, 'Encryption: https://example.com/pgp-key.txt', 'Policy: https://example.com/disclosure', ...extra, ''].join('\n');

const errorsOf = (v: { problems: SecurityTxtProblem[] }): SecurityTxtProblem[] => v.problems.filter((p) => p.severity === 'error');
const find = (v: { problems: SecurityTxtProblem[] }, rule: string): SecurityTxtProblem[] => v.problems.filter((p) => p.rule === rule);

function only(v: SecurityTxtValidation, rule: string, line: number, severity: 'error' | 'warning' = 'error'): SecurityTxtProblem {
  const hits = find(v, rule).filter((p) => p.line === line);
  assert.equal(hits.length, 1, `expected one ${rule} on line ${line}, got ${JSON.stringify(v.problems, null, 1)}`);
  const [hit] = hits;
  assert.ok(hit);
  assert.equal(hit.severity, severity, `${rule} severity`);
  return hit;
}

const SIGNATURE = [
  '-----BEGIN PGP SIGNATURE-----',
  'Version: GnuPG v2.2',
  '',
  'iQIzBAEBCAAdFiEE0WzGNXhd3Pzd0kqqgn3gKAsOJAUFAmJnvUcACgkQgn3gKAsO',
  'JAUJsA/+MrPH7ETNq0aRYrbrInAYWNJh6kGm6p0vMrDEdnq4kD1QVFJqVfmUEmU1',
  '=XlFl',
  '-----END PGP SIGNATURE-----',
];

/** The body of RFC 9116's examples (§2.6 unsigned; §2.7 signs the same with a Canonical first). */
const RFC_EXAMPLE = [
  '# Our security address',
  'Contact: mailto:security@example.com',
  '',
  '# Our OpenPGP key',
  'Encryption: https://example.com/pgp-key.txt',
  '',
  '# Our security policy',
  'Policy: https://example.com/security-policy.html',
  '',
  '# Our security acknowledgments page',
  'Acknowledgments: https://example.com/hall-of-fame.html',
  '',
  'Expires: 2021-12-31T18:37:07z',
];

describe('the examples of RFC 9116', () => {
  test('the unsigned example (§2.6) has no errors and its fields keep their lines', () => {
    const text = [...RFC_EXAMPLE, ''].join('\n');
    const v = validateSecurityTxt(text, { now: rfcNow });
    assert.deepEqual(v.problems, []);
    assert.equal(v.valid, true);
    assert.equal(v.signed, false);
    assert.deepEqual(
      v.fields.map((f) => [f.name, f.line]),
      [['Contact', 2], ['Encryption', 5], ['Policy', 8], ['Acknowledgments', 11], ['Expires', 13]],
    );
  });

  test('the signed example (§2.7) is read from inside the cleartext signature', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      '# Canonical URI',
      'Canonical: https://example.com/.well-known/security.txt',
      '',
      ...RFC_EXAMPLE,
      ...SIGNATURE,
      '',
    ].join('\n');
    const v = validateSecurityTxt(text, { now: rfcNow, url: 'https://example.com/.well-known/security.txt' });
    assert.deepEqual(v.problems, []);
    assert.equal(v.signed, true);
    assert.deepEqual(
      v.fields.map((f) => [f.name, f.value, f.line]),
      [
        ['Canonical', 'https://example.com/.well-known/security.txt', 5],
        ['Contact', 'mailto:security@example.com', 8],
        ['Encryption', 'https://example.com/pgp-key.txt', 11],
        ['Policy', 'https://example.com/security-policy.html', 14],
        ['Acknowledgments', 'https://example.com/hall-of-fame.html', 17],
        ['Expires', '2021-12-31T18:37:07z', 19],
      ],
    );
  });

  test("every field example of §2.5 is accepted as written", () => {
    const v = validateSecurityTxt(
      [
        'Acknowledgments: https://example.com/hall-of-fame.html',
        'Canonical: https://www.example.com/.well-known/security.txt',
        'Canonical: https://someserver.example.com/.well-known/security.txt',
        'Contact: mailto:security@example.com',
        'Contact: mailto:security%2Buri%2Bencoded@example.com',
        'Contact: tel:+1-201-555-0123',
        'Contact: https://example.com/security-contact.html',
        'Encryption: https://example.com/pgp-key.txt',
        'Encryption: dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY',
        'Encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f',
        'Expires: 2021-12-31T18:37:07z',
        'Hiring: https://example.com/jobs.html',
        'Policy: https://example.com/disclosure-policy.html',
        'Preferred-Languages: en, es, fr',
        'CSAF: https://domain.tld/security/data/csaf/provider-metadata.json',
        '',
      ].join('\n'),
      { now: rfcNow },
    );
    assert.deepEqual(v.problems, []);
    assert.equal(v.fields.length, 15);
  });
});

describe('Contact', () => {
  test('a file without Contact fails as a whole (line 0)', () => {
    const v = validateSecurityTxt(`Expires: ${soon}\nPolicy: https://example.com/p\n`, { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-required', 0).message, /Contact: mailto:security@example\.com/);
    assert.equal(v.valid, false);
  });

  test('a bare e-mail address is refused with the mailto: form to write', () => {
    const v = validateSecurityTxt(good('Contact: psirt@example.com'), { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-uri', 5).message, /write "Contact: mailto:psirt@example\.com"/);
  });

  test('a bare telephone number is refused with the tel: form to write', () => {
    const v = validateSecurityTxt(good('Contact: +44 20 7946 0000'), { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-uri', 5).message, /tel:\+44-20-7946-0000/);
  });

  test('a local telephone number is refused: researchers dial from abroad', () => {
    const v = validateSecurityTxt(good('Contact: tel:02079460000'), { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-uri', 5).message, /international form/);
  });

  test('a web contact over http: is refused, since RFC 9116 requires https://', () => {
    const v = validateSecurityTxt(good('Contact: http://example.com/report'), { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-https', 5).message, /"Contact: https:\/\/example\.com\/report"/);
  });

  test('a mailto: without an address is refused', () => {
    const v = validateSecurityTxt(good('Contact: mailto:'), { now });
    only(v, 'rfc9116.2.5.3-contact-uri', 5);
  });

  test('another URI scheme is allowed but warned about', () => {
    const v = validateSecurityTxt(good('Contact: xmpp:security@example.com'), { now });
    only(v, 'rfc9116.2.5.3-contact-scheme', 5, 'warning');
    assert.equal(v.valid, true);
  });

  test('two contacts on one line are refused: one URI per line', () => {
    const v = validateSecurityTxt(good('Contact: mailto:a@example.com, mailto:b@example.com'), { now });
    assert.match(only(v, 'rfc9116.2.5.3-contact-uri', 5).message, /one URI per Contact line/);
  });

  test('an e-mail contact without Encryption draws the recommendation, on the contact line', () => {
    const v = validateSecurityTxt(`Contact: mailto:security@example.com\nExpires: ${soon}\nPolicy: https://example.com/p\n`, { now });
    only(v, 'rfc9116.2.5.3-contact-encryption', 1, 'warning');
    assert.equal(v.valid, true);
  });
});

describe('Expires', () => {
  test('a file without Expires fails, with a date under a year ahead to copy', () => {
    const v = validateSecurityTxt('Contact: mailto:security@example.com\n', { now });
    assert.match(only(v, 'rfc9116.2.5.5-expires-required', 0).message, /Expires: 2027-11-21T00:00:00\.000Z/);
  });

  test('a second Expires is an error on its own line, naming the first', () => {
    const v = validateSecurityTxt(good('Expires: 2027-01-01T00:00:00Z'), { now });
    assert.match(only(v, 'rfc9116.2.5.5-expires-once', 5).message, /first on line 2/);
  });

  test('dates that are not RFC 3339 date-times are refused with the fix for each', () => {
    const cases: Array<[string, RegExp]> = [
      ['2027-06-01', /"Expires: 2027-06-01T00:00:00\.000Z"/],
      ['2020-06-01', /add a time and a time zone: "Expires: 2027-11-21T00:00:00\.000Z"/],
      ['2027-06-01 12:00:00Z', /put a "T" between the date and the time/],
      ['2027-06-01T12:00:00', /add the time zone/],
      ['2027-06-01T12:00Z', /RFC 3339 date-time/],
      ['Tue, 01 Jun 2027 00:00:00 GMT', /e\.g\. "Expires: 2027-11-21T00:00:00\.000Z"/],
      ['2027-02-29T00:00:00Z', /no such date or time exists/],
      ['2027-06-01T24:00:00Z', /no such date or time exists/],
      ['2027-06-01T00:00:00+24:00', /no such date or time exists/],
    ];
    for (const [value, advice] of cases) {
      const v = validateSecurityTxt(['Contact: mailto:s@example.com', 'Policy: https://example.com/p', 'Encryption: https://example.com/k', `Expires: ${value}`, ''].join('\n'), { now });
      assert.match(only(v, 'rfc9116.2.5.5-expires-format', 4).message, advice, value);
    }
  });

  test('RFC 3339 forms are all understood: lower-case t and z, fractions, offsets, leap days', () => {
    assert.equal(parseRfc3339DateTime('2021-12-31T18:37:07z')?.toISOString(), '2021-12-31T18:37:07.000Z');
    assert.equal(parseRfc3339DateTime('2027-11-26T00:00:00.000Z')?.toISOString(), '2027-11-26T00:00:00.000Z');
    assert.equal(parseRfc3339DateTime('2027-06-01t02:00:00.5+02:00')?.toISOString(), '2027-06-01T00:00:00.500Z');
    assert.equal(parseRfc3339DateTime('2027-06-01T00:00:00-05:30')?.toISOString(), '2027-06-01T05:30:00.000Z');
    assert.equal(parseRfc3339DateTime('2028-02-29T00:00:00Z')?.toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(parseRfc3339DateTime('2100-02-29T00:00:00Z'), undefined);
  });

  test('an Expires that has passed is an error: the file is stale', () => {
    const v = validateSecurityTxt(good().replace(soon, '2026-11-25T23:59:59Z'), { now });
    assert.match(only(v, 'rfc9116.2.5.5-expires-past', 2).message, /has passed/);
  });

  test('an Expires more than a year ahead is a warning, not an error', () => {
    const v = validateSecurityTxt(good().replace(soon, '2027-11-26T00:00:01Z'), { now });
    only(v, 'rfc9116.2.5.5-expires-within-a-year', 2, 'warning');
    assert.equal(v.valid, true);
    assert.deepEqual(find(validateSecurityTxt(good().replace(soon, '2027-11-26T00:00:00Z'), { now }), 'rfc9116.2.5.5-expires-within-a-year'), []);
  });
});

describe('Preferred-Languages', () => {
  test('a second Preferred-Languages is an error on its line', () => {
    const v = validateSecurityTxt(good('Preferred-Languages: en', 'Preferred-Languages: de'), { now });
    only(v, 'rfc9116.2.5.8-preferred-languages-once', 6);
  });

  test('entries that are not language tags are refused, with the fix when there is one', () => {
    const v = validateSecurityTxt(good('Preferred-Languages: en_GB, de;fr'), { now });
    const hits = find(v, 'rfc9116.2.5.8-preferred-languages-language-tag');
    assert.deepEqual(hits.map((h) => [h.line, h.severity]), [[5, 'error'], [5, 'error']]);
    assert.match(hits[0]?.message ?? '', /write "en-GB"/);
  });

  test('an empty entry between commas is refused', () => {
    const v = validateSecurityTxt(good('Preferred-Languages: en,,de'), { now });
    assert.match(only(v, 'rfc9116.2.5.8-preferred-languages-language-tag', 5).message, /empty entry/);
  });

  test('a language name in place of its code is warned about', () => {
    const v = validateSecurityTxt(good('Preferred-Languages: English'), { now });
    only(v, 'rfc9116.2.5.8-preferred-languages-language-tag', 5, 'warning');
  });

  test('well-formed tags of every shape are accepted, with any spaces around the commas', () => {
    const v = validateSecurityTxt(good('Preferred-Languages: en ,de-DE,  zh-Hant-TW,sr-Latn-RS, es-419, de-CH-1901, x-klingon, i-default'), { now });
    assert.deepEqual(v.problems, []);
  });
});

describe('the links: Canonical, Policy, Encryption, Acknowledgments, Hiring, CSAF', () => {
  const links = [
    ['Canonical', 'rfc9116.2.5.2-canonical'],
    ['Policy', 'rfc9116.2.5.7-policy'],
    ['Encryption', 'rfc9116.2.5.4-encryption'],
    ['Acknowledgments', 'rfc9116.2.5.1-acknowledgments'],
    ['Hiring', 'rfc9116.2.5.6-hiring'],
    ['CSAF', 'csaf2.0.7.1.8-csaf'],
  ] as const;

  test('each must be a URI, and the message says how to write it', () => {
    for (const [name, rule] of links) {
      const v = validateSecurityTxt(good(`${name}: example.com/page`), { now });
      assert.match(only(v, `${rule}-uri`, 5).message, new RegExp(`write "${name}: https://example\\.com/page"`), name);
    }
  });

  test('each must use https:// when it is a web address', () => {
    for (const [name, rule] of links) {
      const v = validateSecurityTxt(good(`${name}: http://example.com/page`), { now });
      only(v, `${rule}-https`, 5);
    }
  });

  test('characters a URI cannot hold are named', () => {
    const v = validateSecurityTxt(good('Policy: https://example.com/our policy', 'Hiring: https://example.com/jobs?team=<security>', 'Acknowledgments: https://example.com/thanks%zz', 'Canonical: https://exämple.com/'), { now });
    assert.match(only(v, 'rfc9116.2.5.7-policy-uri', 5).message, /holds a space/);
    assert.match(only(v, 'rfc9116.2.5.6-hiring-uri', 6).message, /"<".*%3C/);
    assert.match(only(v, 'rfc9116.2.5.1-acknowledgments-uri', 7).message, /%25/);
    assert.match(only(v, 'rfc9116.2.5.2-canonical-uri', 8).message, /non-ASCII/);
  });

  test('Encryption may be openpgp4fpr: or dns:, but never the key itself', () => {
    const v = validateSecurityTxt(good('Encryption: dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY', 'Encryption: openpgp4fpr:5F2DE5521C63A801AB59CCB603D49DE44B29100F', 'Encryption: openpgp4fpr:5f2d e552', 'Encryption: -----BEGIN PGP PUBLIC KEY BLOCK-----'), { now });
    assert.deepEqual(v.problems.map((p) => [p.line, p.rule]), [
      [7, 'rfc9116.2.5.4-encryption-uri'],
      [8, 'rfc9116.2.5.4-encryption-key-inline'],
    ]);
    const fingerprint = validateSecurityTxt(good('Encryption: openpgp4fpr:5f2de552'), { now });
    only(fingerprint, 'rfc9116.2.5.4-encryption-fingerprint', 5, 'warning');
  });

  test('a pasted public key block is refused once, and its lines are not read as fields', () => {
    const v = validateSecurityTxt(good('-----BEGIN PGP PUBLIC KEY BLOCK-----', '', 'mQINBGJnvUcBEADJ', '=abcd', '-----END PGP PUBLIC KEY BLOCK-----'), { now });
    assert.deepEqual(errorsOf(v).map((p) => [p.line, p.rule]), [[5, 'rfc9116.2.5.4-encryption-key-inline']]);
  });

  test('CSAF should point at provider-metadata.json', () => {
    const v = validateSecurityTxt(good('CSAF: https://example.com/advisories/'), { now });
    only(v, 'csaf2.0.7.1.8-csaf-provider-metadata', 5, 'warning');
  });

  test('Canonical should list the address the file was fetched from', () => {
    const url = 'https://example.com/.well-known/security.txt';
    const listed = validateSecurityTxt(good('Canonical: https://EXAMPLE.com:443/.well-known/security.txt'), { now, url });
    assert.deepEqual(find(listed, 'rfc9116.2.5.2-canonical-url'), []);
    const elsewhere = validateSecurityTxt(good('Canonical: https://other.example/.well-known/security.txt', 'Canonical: https://www.example.com/.well-known/security.txt'), { now, url });
    assert.match(only(elsewhere, 'rfc9116.2.5.2-canonical-url', 5, 'warning').message, /Add "Canonical: https:\/\/example\.com\/\.well-known\/security\.txt"/);
    assert.deepEqual(find(validateSecurityTxt(good(), { now, url }), 'rfc9116.2.5.2-canonical-url'), [], 'no Canonical, nothing to compare');
  });

  test('a file without Policy is warned about, citing the PSTI duty to publish timelines', () => {
    const v = validateSecurityTxt(`Contact: https://example.com/report\nExpires: ${soon}\n`, { now });
    assert.match(only(v, 'rfc9116.3.1-policy', 0, 'warning').message, /psti\.s1\.2\.2/);
  });
});

describe('lines and names', () => {
  test('unknown fields are allowed as extensions but warned about, with the likely intended name', () => {
    const v = validateSecurityTxt(good('Acknowledgements: https://example.com/thanks', 'X-Bug-Bounty: yes'), { now });
    assert.match(only(v, 'rfc9116.2.4-unknown-field', 5, 'warning').message, /did you mean "Acknowledgments"/);
    assert.equal(find(v, 'rfc9116.2.4-unknown-field').length, 2);
    assert.equal(v.valid, true);
    assert.deepEqual(v.fields.at(-1), { name: 'X-Bug-Bounty', value: 'yes', line: 6 });
  });

  test('field names are case-insensitive and come back in their registered spelling', () => {
    const v = validateSecurityTxt(`CONTACT: mailto:security@example.com\nexpires: ${soon}\nencryption: https://example.com/k\npOLICY: https://example.com/p\ncsaf: https://example.com/.well-known/csaf/provider-metadata.json\n`, { now });
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.fields.map((f) => f.name), ['Contact', 'Expires', 'Encryption', 'Policy', 'CSAF']);
  });

  test("a line that is not 'Name: value' is an error on its line", () => {
    const v = validateSecurityTxt(good('Email us at security@example.com'), { now });
    assert.match(only(v, 'rfc9116.4-line-syntax', 5).message, /Start it with "# "/);
  });

  test('a field name with a space is refused with the registered name', () => {
    const v = validateSecurityTxt(good('Preferred Languages: en'), { now });
    assert.match(only(v, 'rfc9116.4-line-syntax', 5).message, /Write "Preferred-Languages: en"/);
  });

  test('a missing space after the colon is an error; extra spaces are a warning', () => {
    const v = validateSecurityTxt(good('Hiring:https://example.com/jobs', 'Acknowledgments:   https://example.com/thanks'), { now });
    only(v, 'rfc9116.4-field-separator', 5);
    only(v, 'rfc9116.4-field-separator', 6, 'warning');
    assert.deepEqual(v.fields.slice(-2).map((f) => f.value), ['https://example.com/jobs', 'https://example.com/thanks']);
  });

  test('an indented field is an error but still read, so one mistake is reported once', () => {
    const v = validateSecurityTxt(`  Contact: mailto:security@example.com\nExpires: ${soon}\nEncryption: https://example.com/k\nPolicy: https://example.com/p\n`, { now });
    assert.deepEqual(v.problems.map((p) => [p.line, p.rule]), [[1, 'rfc9116.4-line-syntax']]);
  });

  test('a field with no value is an error', () => {
    const v = validateSecurityTxt(good('Hiring:'), { now });
    only(v, 'rfc9116.2-field-value', 5);
  });

  test("'#' lines are comments, whatever they hold", () => {
    const v = validateSecurityTxt(`# Contact: http://not-a-field\n#no space: still a comment ✓\n${good()}`, { now });
    assert.deepEqual(v.problems, []);
    assert.equal(v.fields[0]?.line, 3);
  });

  test('CRLF and LF files read the same; a bare CR and a missing last newline are errors', () => {
    const lf = good();
    const crlf = validateSecurityTxt(lf.replaceAll('\n', '\r\n'), { now });
    assert.deepEqual(crlf.problems, []);
    assert.deepEqual(crlf.fields, validateSecurityTxt(lf, { now }).fields);
    const bareCr = validateSecurityTxt(lf.replace('\n', '\r'), { now });
    only(bareCr, 'rfc9116.2.2-line-separator', 1);
    assert.equal(bareCr.fields[1]?.line, 2, 'a bare CR still starts a new line');
    only(validateSecurityTxt(lf.trimEnd(), { now }), 'rfc9116.2.2-final-newline', 4);
  });

  test('trailing spaces and tabs are allowed and not part of the value', () => {
    const v = validateSecurityTxt(good().replace('pgp-key.txt', 'pgp-key.txt \t'), { now });
    assert.deepEqual(v.problems, []);
    assert.equal(v.fields[2]?.value, 'https://example.com/pgp-key.txt');
  });

  test('a byte order mark is a warning, as text or as bytes', () => {
    only(validateSecurityTxt(`\uFEFF${good()}`, { now }), 'rfc9116.4-bom', 1, 'warning');
    const bytes = validateSecurityTxt(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good())]), { now });
    only(bytes, 'rfc9116.4-bom', 1, 'warning');
    assert.equal(bytes.fields[0]?.name, 'Contact', 'the BOM is not part of the first name');
    assert.equal(bytes.valid, true);
  });

  test('bytes that are not UTF-8 are an error on each line that holds them', () => {
    const latin1 = Buffer.from(`${good('# Sécurité', '# ok', '# Société')}`, 'latin1');
    const v = validateSecurityTxt(latin1, { now });
    assert.deepEqual(find(v, 'rfc9116.4-utf8').map((p) => [p.line, p.severity]), [[5, 'error'], [7, 'error']]);
    const crlf = validateSecurityTxt(Buffer.from(`# \xe9\r\n${good()}`.replaceAll('\n', '\r\n'), 'latin1'), { now });
    assert.deepEqual(find(crlf, 'rfc9116.4-utf8').map((p) => p.line), [1]);
  });

  test('text that cannot have been UTF-8 is reported too', () => {
    only(validateSecurityTxt(`# \uD800\n${good()}`, { now }), 'rfc9116.4-utf8', 1);
    only(validateSecurityTxt(`# caf\uFFFD\n${good()}`, { now }), 'rfc9116.4-utf8', 1, 'warning');
  });

  test('control characters are errors, and shown escaped, not sent to the terminal', () => {
    const v = validateSecurityTxt(good('Hiring: https://example.com/\u001b[31mjobs'), { now });
    assert.match(only(v, 'rfc9116.4-control-character', 5).message, /U\+001B at column 29/);
    assert.ok(v.problems.every((p) => !p.message.includes('\u001b')));
  });

  test('files over 32 KiB, 1,000 lines or with fields over 2,048 characters are warned about', () => {
    const comments = Array.from({ length: 1100 }, (_, i) => `# ${String(i).padStart(40, '.')}`);
    const big = validateSecurityTxt(good(...comments), { now });
    only(big, 'rfc9116.5.4-size', 0, 'warning');
    only(big, 'rfc9116.5.4-line-count', 0, 'warning');
    assert.equal(big.valid, true);
    const long = validateSecurityTxt(good(`Policy: https://example.com/${'a'.repeat(2100)}`), { now });
    only(long, 'rfc9116.5.4-field-length', 5, 'warning');
  });

  test('an empty file lacks both required fields and nothing else breaks', () => {
    const v = validateSecurityTxt('', { now });
    assert.deepEqual(errorsOf(v).map((p) => p.rule), ['rfc9116.2.5.3-contact-required', 'rfc9116.2.5.5-expires-required']);
    assert.deepEqual(parseSecurityTxt(''), { fields: [], signed: false, problems: [] });
  });

  test('a hostile file with a million broken lines is cut off at a bounded number of problems', () => {
    const v = validateSecurityTxt('x\n'.repeat(1_000_000), { now });
    assert.ok(v.problems.length <= 1001);
    assert.equal(v.problems[0]?.rule, 'connectable.problem-limit');
  });

  test('parse reports form only; validate adds the rules about values', () => {
    const text = 'Contact: nope\n';
    assert.deepEqual(parseSecurityTxt(text).problems, []);
    assert.ok(find(validateSecurityTxt(text, { now }), 'rfc9116.2.5.3-contact-uri').length);
  });
});

describe('OpenPGP cleartext signature framing', () => {
  const signed = (body: string[], { header = ['Hash: SHA512', ''], signature = SIGNATURE } = {}): string =>
    ['-----BEGIN PGP SIGNED MESSAGE-----', ...header, ...body, ...signature, ''].join('\n');
  const body = ['Canonical: https://example.com/.well-known/security.txt', 'Contact: mailto:security@example.com', `Expires: ${soon}`, 'Encryption: https://example.com/k', 'Policy: https://example.com/p'];

  test('a well-framed file is signed and clean', () => {
    const v = validateSecurityTxt(signed(body), { now });
    assert.equal(v.signed, true);
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.fields.map((f) => f.line), [4, 5, 6, 7, 8]);
  });

  test('dash-escaped lines are read without their "- "', () => {
    const v = validateSecurityTxt(signed([...body, '- # a dashed comment', '- Hiring: https://example.com/jobs']), { now });
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.fields.at(-1), { name: 'Hiring', value: 'https://example.com/jobs', line: 10 });
  });

  test('a line starting with "-" that is not dash-escaped is an error', () => {
    const v = validateSecurityTxt(signed([...body, '----- end of fields -----']), { now });
    only(v, 'rfc4880.7-dash-escape', 9);
  });

  test('text before the signed message is an error and is not read as fields', () => {
    const v = validateSecurityTxt(`Contact: mailto:attacker@evil.example\n\n${signed(body)}`, { now });
    assert.match(only(v, 'rfc9116.2.3-outside-signature', 1).message, /Lines 1–2/);
    assert.deepEqual(v.fields.filter((f) => f.name === 'Contact').map((f) => f.value), ['mailto:security@example.com']);
  });

  test('text after the signature is an error', () => {
    const v = validateSecurityTxt(`${signed(body)}Contact: mailto:attacker@evil.example\n`, { now });
    only(v, 'rfc9116.2.3-outside-signature', 16);
  });

  test('a missing Hash header is warned about; a weak or unknown hash too', () => {
    only(validateSecurityTxt(signed(body, { header: [''] }), { now }), 'rfc4880.7-hash-header', 1, 'warning');
    only(validateSecurityTxt(signed(body, { header: ['Hash: SHA1', ''] }), { now }), 'rfc4880.7-hash-weak', 2, 'warning');
    only(validateSecurityTxt(signed(body, { header: ['Hash: SHA999', ''] }), { now }), 'rfc4880.7-hash-header', 2, 'warning');
  });

  test('a missing empty line after the headers is an error, and the fields are still read', () => {
    const v = validateSecurityTxt(signed(body, { header: ['Hash: SHA256'] }), { now });
    only(v, 'rfc4880.7-empty-line', 3);
    assert.equal(v.fields.length, 5);
  });

  test('an armor header other than Hash is an error', () => {
    const v = validateSecurityTxt(signed(body, { header: ['Hash: SHA256', 'Charset: UTF-8', ''] }), { now });
    only(v, 'rfc4880.7-armor-header', 3);
  });

  test('a signed message without its signature is an error at the end of the file', () => {
    const v = validateSecurityTxt(signed(body, { signature: [] }), { now });
    only(v, 'rfc4880.7-signature-missing', 8);
    assert.equal(v.signed, true);
  });

  test('a signature that never ends, or holds no base64, is an error', () => {
    only(validateSecurityTxt(signed(body, { signature: SIGNATURE.slice(0, -1) }), { now }), 'rfc4880.6.2-armor', 14);
    only(validateSecurityTxt(signed(body, { signature: [SIGNATURE[0] ?? '', '', '[signature]', SIGNATURE.at(-1) ?? ''] }), { now }), 'rfc4880.6.2-armor', 11);
    only(validateSecurityTxt(signed(body, { signature: [SIGNATURE[0] ?? '', SIGNATURE.at(-1) ?? ''] }), { now }), 'rfc4880.6.2-armor', 9);
    only(validateSecurityTxt(signed(body, { signature: [SIGNATURE[0] ?? '', 'iQIzBAEB', SIGNATURE.at(-1) ?? ''] }), { now }), 'rfc4880.6.2-armor', 10);
  });

  test('a signature block in a file that is not a signed message is an error', () => {
    const v = validateSecurityTxt([...body, ...SIGNATURE, ''].join('\n'), { now });
    only(v, 'rfc4880.7-signed-message-header', 6);
    assert.equal(v.signed, false);
    assert.deepEqual(errorsOf(v).length, 1, 'the signature lines are not also reported as bad fields');
  });

  test('a signed file without Canonical draws the recommendation', () => {
    only(validateSecurityTxt(signed(body.slice(1)), { now }), 'rfc9116.2.3-canonical', 0, 'warning');
  });
});

// Lines built from the pieces a security.txt is made of, so the fuzzer reaches the framing and
// field code paths and not only the "not a field" one.
const piece = fc.oneof(
  fc.constantFrom(
    '-----BEGIN PGP SIGNED MESSAGE-----',
    '-----BEGIN PGP SIGNATURE-----',
    '-----END PGP SIGNATURE-----',
    '-----BEGIN PGP PUBLIC KEY BLOCK-----',
    'Hash: SHA256',
    '',
    '- ',
    '#',
    'Contact: ',
    'Expires: ',
    'Preferred-Languages: ',
    'Encryption: ',
    'CSAF: ',
    'mailto:',
    'https://',
    'http://',
    'tel:+',
    '2027-06-01T00:00:00Z',
    ':',
    ',',
    '%',
    '\t',
    '\r',
    '\uFEFF',
    '\uD800',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const line = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
const lines = fc.array(line, { maxLength: 40 }).chain((ls) => fc.constantFrom('\n', '\r\n').map((eol) => ls.join(eol)));

function wellFormed(v: SecurityTxtValidation, text: string): void {
  const count = text.split(/\r\n|\n|\r/).length;
  for (const p of v.problems) {
    assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line <= count, `line ${p.line} of ${count}`);
    assert.ok(p.rule && p.message);
  }
  assert.equal(v.valid, v.errors === 0);
}

describe('properties', () => {
  test('arbitrary text never throws, and every problem points at a real line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), lines), fc.option(fc.webUrl(), { nil: undefined }), (text, url) => {
        const v = validateSecurityTxt(text, url === undefined ? { now } : { now, url });
        wellFormed(v, text);
        parseSecurityTxt(text);
      }),
      { numRuns: 1500 },
    );
  });

  test('arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), lines.map((t) => new TextEncoder().encode(t))), (bytes) => {
        validateSecurityTxt(bytes, { now });
        parseSecurityTxt(bytes);
      }),
      { numRuns: 800 },
    );
  });

  const https = fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true });
  const mailto = fc.emailAddress().map((address) => {
    const at = address.lastIndexOf('@');
    return `mailto:${encodeURIComponent(address.slice(0, at))}${address.slice(at)}`;
  });
  const tel = fc.array(fc.stringMatching(/^[0-9]{1,4}$/), { minLength: 2, maxLength: 5 }).map((groups) => `tel:+${groups.join('-')}`);
  const fingerprint = fc.stringMatching(/^[0-9a-f]{40}$/).map((hex) => `openpgp4fpr:${hex}`);
  const language = fc.oneof(fc.constantFrom('en', 'de', 'fr-CA', 'zh-Hant-TW', 'es-419', 'sr-Latn'), fc.stringMatching(/^[a-z]{2,3}(-[A-Z]{2})?$/));
  const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
  const input: fc.Arbitrary<SecurityTxtInput> = fc.record({
    contacts: fc.array(fc.oneof(mailto, https, tel), { minLength: 1, maxLength: 4 }),
    expires: fc.integer({ min: 1, max: 364 * 24 }).map((hours) => new Date(now.getTime() + hours * 3_600_000)),
    policy: optional(https),
    preferredLanguages: optional(fc.array(language, { maxLength: 4 })),
    canonical: optional(fc.array(https, { maxLength: 3 })),
    encryption: optional(fc.array(fc.oneof(https, fingerprint), { maxLength: 2 })),
    acknowledgments: optional(https),
    csaf: optional(https.map((u) => `${u.replace(/[?#].*$/, '').replace(/\/$/, '')}/provider-metadata.json`)),
    hiring: optional(https),
  });

  test('every generated file validates with no errors and reads back the values it was given', () => {
    fc.assert(
      fc.property(input, (given) => {
        const text = generateSecurityTxt(given);
        const v = validateSecurityTxt(text, { now });
        assert.deepEqual(errorsOf(v), [], text);
        assert.equal(v.signed, false);
        assert.ok(text.endsWith('\n') && !text.includes('\r'));
        assert.ok(text.startsWith('# '));
        const values = (name: string): string[] => v.fields.filter((f) => f.name === name).map((f) => f.value);
        assert.deepEqual(values('Contact'), given.contacts);
        assert.deepEqual(values('Expires'), [given.expires.toISOString()]);
        assert.deepEqual(values('Canonical'), given.canonical ?? []);
        assert.deepEqual(values('Preferred-Languages'), given.preferredLanguages?.length ? [given.preferredLanguages.join(', ')] : []);
      }),
      { numRuns: 300 },
    );
  });

  test('the generator writes arbitrary contact strings either as exactly one valid field or not at all', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (contact) => {
        let text: string;
        try {
          text = generateSecurityTxt({ contacts: [contact], expires: nextExpiry(now) });
        } catch (e) {
          assert.ok(e instanceof ConnectableError && e.code === 'CONNECTABLE_ERR_INVALID_INPUT');
          return;
        }
        const v = validateSecurityTxt(text, { now });
        assert.deepEqual(errorsOf(v), []);
        assert.equal(v.fields.length, 2);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('generateSecurityTxt', () => {
  test('writes the fields in RFC order after a header comment', () => {
    const text = generateSecurityTxt({
      csaf: 'https://example.com/.well-known/csaf/provider-metadata.json',
      preferredLanguages: ['en', 'de'],
      policy: 'https://example.com/disclosure',
      hiring: 'https://example.com/jobs',
      expires: new Date('2027-11-26T00:00:00Z'),
      encryption: ['https://example.com/pgp-key.txt'],
      contacts: ['mailto:security@example.com', 'https://example.com/report'],
      canonical: ['https://example.com/.well-known/security.txt'],
      acknowledgments: 'https://example.com/thanks',
    });
    assert.equal(
      text,
      [
        '# Where to report a security vulnerability (RFC 9116). Generated by Connectable.',
        'Acknowledgments: https://example.com/thanks',
        'Canonical: https://example.com/.well-known/security.txt',
        'Contact: mailto:security@example.com',
        'Contact: https://example.com/report',
        'Encryption: https://example.com/pgp-key.txt',
        'Expires: 2027-11-26T00:00:00.000Z',
        'Hiring: https://example.com/jobs',
        'Policy: https://example.com/disclosure',
        'Preferred-Languages: en, de',
        'CSAF: https://example.com/.well-known/csaf/provider-metadata.json',
        '',
      ].join('\n'),
    );
    assert.deepEqual(validateSecurityTxt(text, { now, url: 'https://example.com/.well-known/security.txt' }).problems, []);
  });

  test('trims values and drops empty ones, as a web form sends them', () => {
    const text = generateSecurityTxt({ contacts: [' mailto:security@example.com ', ''], expires: nextExpiry(now), policy: '  ', preferredLanguages: [] });
    assert.deepEqual(parseSecurityTxt(text).fields.map((f) => f.name), ['Contact', 'Expires']);
  });

  test('refuses what would not validate, naming each input and what to write', () => {
    assert.throws(
      () => generateSecurityTxt({ contacts: ['security@example.com', 'http://example.com/report'], expires: nextExpiry(now), preferredLanguages: ['en,fr'] }),
      (e: unknown) => {
        assert.ok(e instanceof ConnectableError);
        assert.equal(e.code, 'CONNECTABLE_ERR_INVALID_INPUT');
        assert.deepEqual(Object.keys(e.fields ?? {}), ['contacts[0]', 'contacts[1]', 'preferredLanguages[0]']);
        assert.match(e.message, /mailto:security@example\.com/);
        return true;
      },
    );
    assert.throws(() => generateSecurityTxt({ contacts: [], expires: nextExpiry(now) }), /at least one contact/);
    assert.throws(() => generateSecurityTxt({ contacts: ['mailto:a@example.com'], expires: new Date('nonsense') }), /expires is not a valid date/);
    assert.throws(() => generateSecurityTxt({ contacts: ['mailto:a@example.com'], expires: new Date(Date.UTC(10000, 0, 1)) }), /0000 and 9999/);
  });

  test('a value cannot smuggle in another line', () => {
    assert.throws(() => generateSecurityTxt({ contacts: ['mailto:security@example.com\nContact: mailto:attacker@evil.example'], expires: nextExpiry(now) }), ConnectableError);
    assert.throws(() => generateSecurityTxt({ contacts: ['mailto:security@example.com'], expires: nextExpiry(now), policy: 'https://example.com/\r\nContact: mailto:x@evil.example' }), ConnectableError);
  });
});

describe('renewal', () => {
  test(`a new file expires ${EXPIRY_DAYS} days ahead, which is under a year`, () => {
    assert.equal(nextExpiry(now).toISOString(), '2027-11-21T00:00:00.000Z');
    const text = generateSecurityTxt({ contacts: ['mailto:security@example.com'], expires: nextExpiry(now) });
    assert.deepEqual(find(validateSecurityTxt(text, { now }), 'rfc9116.2.5.5-expires-within-a-year'), []);
  });

  test('renew 30 days before expiry, or at once when that has passed', () => {
    const expires = new Date('2027-11-21T00:00:00Z');
    assert.equal(renewalDate(expires, now).toISOString(), '2027-10-22T00:00:00.000Z');
    assert.equal(renewalDate(expires, new Date('2027-11-01T00:00:00Z')).toISOString(), '2027-11-01T00:00:00.000Z');
    assert.equal(renewalDate(new Date('2020-01-01T00:00:00Z'), now).toISOString(), now.toISOString());
  });

  test('a file renewed on its renewal date is valid again for the next cycle', () => {
    const first = nextExpiry(now);
    const renewedAt = renewalDate(first, now);
    const renewed = generateSecurityTxt({ contacts: ['mailto:security@example.com'], expires: nextExpiry(renewedAt) });
    assert.deepEqual(errorsOf(validateSecurityTxt(renewed, { now: renewedAt })), []);
    assert.ok(nextExpiry(renewedAt) > first);
  });

  test('invalid dates are refused', () => {
    assert.throws(() => renewalDate(new Date('x'), now), ConnectableError);
    assert.throws(() => nextExpiry(new Date(Number.NaN)), ConnectableError);
  });
});
