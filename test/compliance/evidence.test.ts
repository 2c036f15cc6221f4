// Evidence end to end: real reports from the tools (a firmware scan of a planted and of a clean
// tree), uploaded from the command line with an API token to a running platform, turned into the
// assessment — and everything that must be refused, refused with a reason.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createApiToken } from '../../src/accounts/index.ts';
import { main } from '../../src/cli.ts';
import { addEvidence, assessProduct, parseEvidence } from '../../src/compliance/index.ts';
import { ConnectableError } from '../../src/errors.ts';
import { scanJson } from '../../src/firmware/report.ts';
import { scanPath } from '../../src/firmware/scan-image.ts';
import { ImageBuilder } from '../support/firmware-images.ts';
import { startTestPlatform, ownerOf, type TestPlatform } from '../support/platform.ts';
import { cleanTree, plantedTree } from '../firmware/fixtures.ts';

let platform: TestPlatform;
let base: string;
let organisationId: string;
let productId: string;
let otherProductId: string;
let token: string;
const images = new ImageBuilder();
let plantedDir: string;
let cleanDir: string;

const actor = () => ({ organisationId, label: 'test', userId: undefined });

function capture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { PATH: process.env['PATH'], CI: '1', ...env } }, out, err };
}

before(async () => {
  platform = await startTestPlatform();
  await platform.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
  const owner = await ownerOf(platform, 'Evidence Cameras Ltd', 'owner@evidence.test');
  organisationId = owner.organisationId;
  const rows = await platform.db.query<{ id: string }>(
    `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, hardware_revisions, firmware_versions)
     VALUES ($1, 'cam-one', 'Evidence', 'Cam One', 'EV-CAM-1', 'camera', '{A,B}', '{2.0.0,2.1.0}') RETURNING id`,
    [organisationId],
  );
  productId = rows[0]?.id ?? '';
  const other = await ownerOf(platform, 'Someone Else Ltd', 'owner@else.test');
  const otherRows = await platform.db.query<{ id: string }>(
    `INSERT INTO products (organisation_id, slug, brand, name, model_number, category) VALUES ($1, 'theirs', 'Else', 'Theirs', 'ELSE-1', 'camera') RETURNING id`,
    [other.organisationId],
  );
  otherProductId = otherRows[0]?.id ?? '';
  token = (await createApiToken(platform.db, { organisationId, label: 'owner@evidence.test' }, { name: 'CI', scopes: ['evidence.write', 'compliance.read'] })).secret;
  plantedDir = images.tree(plantedTree().tree);
  cleanDir = images.tree(cleanTree());
});

after(async () => {
  images.remove();
  await platform.close();
});

describe('evidence from the tools', () => {
  test('a real scan report is read as firmware-scan evidence with the rules its findings break', async () => {
    const report = scanJson([await scanPath(plantedDir)], false);
    const parsed = parseEvidence(report);
    assert.equal(parsed.kind, 'firmware-scan');
    assert.equal(parsed.summary.passes, false);
    assert.ok(parsed.summary.findings.some((f) => f.lawIds.includes('psti.s1.1') && f.universal));
    assert.deepEqual(parsed.summary.shows, []);

    const clean = parseEvidence(scanJson([await scanPath(cleanDir)], false));
    assert.equal(clean.summary.passes, true);
    assert.ok(clean.summary.shows.includes('etsi.5.1-1'));
  });

  test('refuses what our tools did not write, a report with secrets, and a kind that does not match', () => {
    const refused = (text: string, message: RegExp, kind?: 'probe'): void => {
      assert.throws(() => parseEvidence(text, kind), (e: unknown) => e instanceof ConnectableError && e.code === 'CONNECTABLE_ERR_INVALID_INPUT' && message.test(e.message));
    };
    refused('not json', /not JSON/);
    refused('{"runs":[]}', /not a Connectable report/);
    refused(JSON.stringify({ format: 'connectable.evidence/1', kind: 'firmware-scan', tool: { name: 'binwalk', version: '2' }, report: [] }), /written by "binwalk"/);
    refused('[{"findings":[{"secret":"xc3511"}]}]', /--show-secrets/);
    refused('[]', /not a Connectable firmware-scan report|lists no image|not a Connectable report/);
  });

  test('a report with a valid shape but for the wrong kind is refused', async () => {
    const report = scanJson([await scanPath(cleanDir)], false);
    assert.throws(() => parseEvidence(report, 'probe'), /not a Connectable probe report/);
  });
});

describe('scan --upload', () => {
  test('uploads a failing scan from the command line: the passwords duty turns red with the finding', async () => {
    const c = capture({ CONNECTABLE_URL: base, CONNECTABLE_TOKEN: token });
    const code = await main(['scan', plantedDir, '--upload', '--product', 'cam-one', '--firmware-version', '2.0.0'], c.io);
    assert.equal(code, 1, [...c.out, ...c.err].join('\n'));
    assert.match(c.err.join('\n'), /Uploaded to .* as firmware-scan evidence for cam-one \(firmware 2\.0\.0\): fails/);
    assert.match(c.err.join('\n'), /passwords: RED/);
    const a = await assessProduct(platform.db, organisationId, productId);
    const passwords = a.duties.find((d) => d.duty === 'passwords');
    assert.equal(passwords?.rag, 'red');
    assert.equal(a.provisions.find((p) => p.id === 'psti.s1.1')?.status, 'not_met');
    assert.equal(a.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'not_met');
  });

  test('a clean scan of a newer firmware replaces it; an older firmware’s scan does not', async () => {
    const c = capture({ CONNECTABLE_URL: base, CONNECTABLE_TOKEN: token });
    assert.equal(await main(['scan', cleanDir, '--upload', '--product', productId, '--firmware-version', '2.1.0'], c.io), 0, c.err.join('\n'));
    let a = await assessProduct(platform.db, organisationId, productId);
    assert.equal(a.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'met');
    assert.equal(a.provisions.find((p) => p.id === 'psti.s1.1.2a')?.status, 'met');
    // Still not green: the batch conditions (counters, identifiers, guessable) need an audit or a judgement.
    assert.equal(a.provisions.find((p) => p.id === 'psti.s1.1')?.status, 'not_assessed');

    // A late upload of the old, failing firmware is history, not the current evidence.
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(plantedDir)], false), firmwareVersion: '2.0.0' });
    a = await assessProduct(platform.db, organisationId, productId);
    assert.equal(a.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'met');
    assert.equal(a.evidence.length, 3);
  });

  test('a newer firmware that brings the credential back re-opens what the clean scan closed', async () => {
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(plantedDir)], false), firmwareVersion: '2.2.0' });
    const a = await assessProduct(platform.db, organisationId, productId);
    assert.equal(a.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'not_met');
    assert.match(a.provisions.find((p) => p.id === 'etsi.5.1-1')?.reason ?? '', /finding/);
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(cleanDir)], false), firmwareVersion: '2.2.1' });
  });

  test('evidence for one hardware revision stays with it', async () => {
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(plantedDir)], false), firmwareVersion: '9.0.0', hardwareRevision: 'B' });
    const b = await assessProduct(platform.db, organisationId, productId, 'B');
    const all = await assessProduct(platform.db, organisationId, productId);
    assert.equal(b.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'not_met');
    assert.equal(all.provisions.find((p) => p.id === 'etsi.5.1-1')?.status, 'met');
    await assert.rejects(addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(cleanDir)], false), hardwareRevision: 'Z' }), /no hardware revision "Z"\. Its revisions are: A, B/);
  });

  test('another organisation’s product is not found, and a token without evidence.write is forbidden', async () => {
    const report = scanJson([await scanPath(cleanDir)], false);
    const post = (product: string, bearer: string) =>
      fetch(`${base}/api/v1/products/${product}/evidence?kind=firmware-scan`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: report });
    assert.equal((await post(otherProductId, token)).status, 404);
    assert.equal((await post('theirs', token)).status, 404);
    const readOnly = (await createApiToken(platform.db, { organisationId, label: 'owner@evidence.test' }, { name: 'read', scopes: ['compliance.read'] })).secret;
    assert.equal((await post(productId, readOnly)).status, 403);
    const foreign = await fetch(`${base}/api/v1/products/${productId}/evidence`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"version":"2.1.0","runs":[]}' });
    assert.equal(foreign.status, 400);
    assert.match(((await foreign.json()) as { detail: string }).detail, /not a Connectable report/);
  });

  test('a password batch audit uploads too: a counter breaks psti.s1.1.3a, a good batch meets the conditions', async () => {
    const dir = images.tree({ 'counter.csv': `serial,password\n${Array.from({ length: 200 }, (_, i) => `SN${1000 + i},admin${1000 + i}`).join('\n')}\n` });
    const c = capture({ CONNECTABLE_URL: base, CONNECTABLE_TOKEN: token });
    assert.equal(await main(['passwords', 'audit', `${dir}/counter.csv`, '--upload', '--product', 'cam-one', '--revision', 'A', '--show-secrets'], c.io), 1, c.err.join('\n'));
    assert.match(c.err.join('\n'), /as password-audit evidence for cam-one: fails/);
    const a = await assessProduct(platform.db, organisationId, productId, 'A');
    assert.equal(a.provisions.find((p) => p.id === 'psti.s1.1.3a')?.status, 'not_met');
    assert.equal(a.duties.find((d) => d.duty === 'passwords')?.rag, 'red');
    const stored = await platform.db.query<{ report: unknown }>(`SELECT report FROM compliance_evidence WHERE kind = 'password-audit'`);
    assert.doesNotMatch(JSON.stringify(stored[0]?.report), /admin1000/, 'no example password is kept');
  });

  test('the command line says what is missing before it scans', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['scan', cleanDir, '--upload', '--product', 'cam-one'], {}, /needs CONNECTABLE_URL .* and CONNECTABLE_TOKEN/],
      [['scan', cleanDir, '--upload'], { CONNECTABLE_URL: base, CONNECTABLE_TOKEN: token }, /needs --product/],
      [['scan', cleanDir, '--product', 'cam-one'], {}, /--product goes with --upload/],
      [['scan', cleanDir, '--upload', '--product', 'cam-one'], { CONNECTABLE_URL: base, CONNECTABLE_TOKEN: 'hunter2' }, /not a Connectable API token/],
      [['scan', cleanDir, '--upload', '--product', 'no-such-product'], { CONNECTABLE_URL: base, CONNECTABLE_TOKEN: token }, /refused the upload \(HTTP 404\)/],
    ];
    for (const [argv, env, message] of cases) {
      const c = capture(env);
      assert.equal(await main(argv, c.io), 2, argv.join(' '));
      assert.match([...c.out, ...c.err].join('\n'), message, argv.join(' '));
    }
  });
});
