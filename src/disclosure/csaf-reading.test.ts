import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advisory, DOORBELL, HUB } from '../../test/support/csaf-advisory.ts';
import { buildCsaf } from './csaf.ts';
import { readPublishedCsaf } from './csaf-reading.ts';

const at = new Date('2026-11-20T09:00:00Z');

// The shared advisory, with the doorbell named without its brand and a single revision.
const published = advisory({
  remediation: '',
  acknowledgement: '',
  revisions: [{ version: '1', date: at, summary: 'Initial release' }],
  initialReleaseDate: at,
  currentReleaseDate: at,
  products: [
    { id: DOORBELL, vendor: 'Acme Devices', name: 'Video Doorbell', model: 'VD-200', introduced: '2.0.0', fixed: '2.4.1' },
    { id: HUB, vendor: 'Acme Devices', name: 'Home Hub', model: 'HH-1', introduced: '', fixed: '' },
  ],
});

describe('reading a published CSAF document back for the public page', () => {
  const [telnet, wifi] = readPublishedCsaf(`${JSON.stringify(buildCsaf(published), null, 2)}\n`);

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
