import type { AdvisoryForCsaf } from '../../src/disclosure/csaf.ts';

// One realistic advisory for the CSAF tests: two products (one fixed), two vulnerabilities (CVSS
// 3.1 with CWE and CVE, CVSS 4.0 without).

export const DOORBELL = '6f1c2b1e-3f0a-4c52-9a51-0d6c2f1f8a01';
export const HUB = 'b2d7e4a9-81c5-4e0f-a3b4-5c6d7e8f9a02';

export const publisher = {
  name: 'Acme Devices Ltd',
  namespace: 'https://connectable.example/makers/acme',
  contactDetails: 'security@acme.example',
};

/** A published advisory: the doorbell is fixed in 2.4.1, the hub has no fix yet. */
export function advisory(overrides: Partial<AdvisoryForCsaf> = {}): AdvisoryForCsaf {
  return {
    trackingId: 'ACME-2026-0001',
    title: 'Hard-coded credentials and information disclosure in Acme doorbell and hub',
    summary: 'The Acme Video Doorbell and the Acme Home Hub ship with a shared service password and leak Wi-Fi details on the local network.',
    remediation: 'Install firmware 2.4.1 or later; the doorbell updates itself within 24 hours of release.',
    workaround: '',
    acknowledgement: 'Jane Researcher\nThe Example Lab',
    publisher,
    tlp: 'WHITE',
    status: 'final',
    revisions: [
      { version: '1', date: new Date('2026-11-20T09:00:00Z'), summary: 'Initial release.' },
      { version: '2', date: new Date('2026-11-26T10:00:00Z'), summary: 'Added the hub, which shares the service account.' },
    ],
    initialReleaseDate: new Date('2026-11-20T09:00:00Z'),
    currentReleaseDate: new Date('2026-11-26T10:00:00Z'),
    products: [
      { id: DOORBELL, vendor: 'Acme Devices', name: 'Acme Video Doorbell', model: 'VD-200', introduced: '2.0.0', fixed: '2.4.1' },
      { id: HUB, vendor: 'Acme Devices', name: 'Home Hub', model: 'HH-1', introduced: '', fixed: '' },
    ],
    vulnerabilities: [
      {
        reference: 'VR-2026-0042',
        title: 'A service account with a password shared by every device allows remote login over telnet.',
        cve: 'CVE-2026-12345',
        cwe: { id: 'CWE-798', name: 'Use of Hard-coded Credentials' },
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical' },
        productIds: [DOORBELL, HUB],
        releaseDate: new Date('2026-11-20T09:00:00Z'),
      },
      {
        reference: 'VR-2026-0051',
        title: 'The setup endpoint discloses the Wi-Fi passphrase to anyone on the local network.',
        cve: null,
        cwe: null,
        cvss: { version: '4.0', vector: 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N', score: 7.1, severity: 'high' },
        productIds: [DOORBELL],
        releaseDate: new Date('2026-11-26T10:00:00Z'),
      },
    ],
    selfUrl: 'https://connectable.example/.well-known/csaf/white/2026/acme-2026-0001.json',
    htmlUrl: 'https://connectable.example/makers/acme/advisories/ACME-2026-0001',
    ...overrides,
  };
}
