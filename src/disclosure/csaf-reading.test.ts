import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCsaf, type AdvisoryForCsaf } from './csaf.ts';
import { readPublishedCsaf } from './csaf-reading.ts';

const DOORBELL = '6f1c2b1e-3f0a-4c52-9a51-0d6c2f1f8a01';
const HUB = 'b2d7e4a9-81c5-4e0f-a3b4-5c6d7e8f9a02';
const at = new Date('2026-11-20T09:00:00Z');

const advisory: AdvisoryForCsaf = {
  trackingId: 'ACME-2026-0001',
  title: 'Hard-coded credentials in the Acme doorbell and hub',
  summary: 'The doorbell and the hub ship with a shared service password.',
  remediation: '',
  workaround: '',
  acknowledgement: '',
  publisher: { name: 'Acme Devices Ltd', namespace: 'https://connectable.example/disclose/acme', contactDetails: '' },
  tlp: 'WHITE',
  status: 'final',
  revisions: [{ version: '1', date: at, summary: 'Initial release' }],
  initialReleaseDate: at,
  currentReleaseDate: at,
  products: [
    { id: DOORBELL, vendor: 'Acme Devices', name: 'Video Doorbell', model: 'VD-200', introduced: '2.0.0', fixed: '2.4.1' },
    { id: HUB, vendor: 'Acme Devices', name: 'Home Hub', model: 'HH-1', introduced: '', fixed: '' },
  ],
  vulnerabilities: [
    {
      reference: 'VR-2026-0042',
      title: 'A shared service password allows telnet login.',
      cve: 'CVE-2026-12345',
      cwe: { id: 'CWE-798', name: 'Use of Hard-coded Credentials' },
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical' },
      productIds: [DOORBELL, HUB],
      releaseDate: at,
    },
    {
      reference: 'VR-2026-0051',
      title: 'The setup endpoint discloses the Wi-Fi passphrase.',
      cve: null,
      cwe: null,
      cvss: { version: '4.0', vector: 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N', score: 7.1, severity: 'high' },
      productIds: [DOORBELL],
      releaseDate: at,
    },
  ],
  selfUrl: 'https://connectable.example/disclose/acme/csaf/white/2026/acme-2026-0001.json',
  htmlUrl: 'https://connectable.example/disclose/acme/advisories/ACME-2026-0001',
};

describe('reading a published CSAF document back for the public page', () => {
  const [telnet, wifi] = readPublishedCsaf(`${JSON.stringify(buildCsaf(advisory), null, 2)}\n`);

  test('names each affected product with its version range, and each fixed version', () => {
    assert.deepEqual(telnet?.affected, [
      { name: 'Acme Devices Video Doorbell VD-200 >=2.0.0 <2.4.1', versions: 'vers:generic/>=2.0.0|<2.4.1' },
      { name: 'Acme Devices Home Hub HH-1 all versions', versions: 'vers:all/*' },
    ]);
    assert.deepEqual(telnet?.fixed, [{ name: 'Acme Devices Video Doorbell VD-200 2.4.1', versions: '2.4.1' }]);
    assert.deepEqual(wifi?.fixed, [{ name: 'Acme Devices Video Doorbell VD-200 2.4.1', versions: '2.4.1' }]);
  });

  test('carries the CVE, the CWE and the maker reference', () => {
    assert.equal(telnet?.cve, 'CVE-2026-12345');
    assert.deepEqual(telnet?.cwe, { id: 'CWE-798', name: 'Use of Hard-coded Credentials' });
    assert.deepEqual(telnet?.references, ['VR-2026-0042']);
    assert.equal(wifi?.cve, null);
  });

  test('reads CVSS v3.1 from the scores and v4.0 from the note CSAF 2.0 carries it in', () => {
    assert.deepEqual(telnet?.cvss, [{ vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: '9.8', severity: 'critical' }]);
    assert.deepEqual(wifi?.cvss, [{ vector: 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N', score: '7.1', severity: 'high' }]);
  });

  test('a document that is not JSON, or not CSAF-shaped, reads as nothing rather than throwing', () => {
    assert.deepEqual(readPublishedCsaf('{not json'), []);
    assert.deepEqual(readPublishedCsaf('[1, 2]'), []);
    assert.deepEqual(readPublishedCsaf('{"vulnerabilities": "none"}'), []);
  });
});
