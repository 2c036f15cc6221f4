// The Statement of Compliance as the law wants it: refused while a requirement is unmet (saying
// which and why) or the support period is unpublished (saying what to do); then issued with every
// item of psti.soc.a–f, as PDF and JSON, signed so that gpg verifies it, and kept version by version.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addEvidence, generateStatement, listStatements, publicStatement, recordJudgement, setPublicStatement, statementFile } from '../../src/compliance/index.ts';
import { generateKeyForOrganisation, getOrganisationKey, savePolicy } from '../../src/disclosure/index.ts';
import { ConnectableError } from '../../src/errors.ts';
import { scanJson } from '../../src/firmware/report.ts';
import { scanPath } from '../../src/firmware/scan-image.ts';
import { setSupportPeriod } from '../../src/registry/index.ts';
import { cleanTree } from '../firmware/fixtures.ts';
import { ImageBuilder } from '../support/firmware-images.ts';
import { gpgVerifyDetached } from '../support/gpg.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let organisationId: string;
let productId: string;
const images = new ImageBuilder();
const actor = () => ({ organisationId, label: 'pat@statement.test' });

const details = {
  productType: 'Wi-Fi security camera',
  batch: 'Batch 2026-11, serials SC2-000001 to SC2-020000',
  manufacturerName: 'Statement Cameras Ltd',
  manufacturerAddress: '1 Example Street\nManchester M1 1AA\nUnited Kingdom',
  signatoryName: 'Pat Example',
  signatoryFunction: 'Head of Product Security',
  place: 'Manchester',
  date: '2026-11-26',
};

function refusal(error: unknown): string {
  assert.ok(error instanceof ConnectableError, String(error));
  assert.equal(error.code, 'CONNECTABLE_ERR_CONFLICT');
  return error.message;
}

before(async () => {
  platform = await startTestPlatform();
  const owner = await ownerOf(platform, 'Statement Cameras Ltd', 'pat@statement.test');
  organisationId = owner.organisationId;
  const rows = await platform.db.query<{ id: string }>(
    `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, firmware_versions)
     VALUES ($1, 'sc-2', 'Statement', 'Security Camera 2', 'SC-2', 'camera', '{3.1.0}') RETURNING id`,
    [organisationId],
  );
  productId = rows[0]?.id ?? '';
});

after(async () => {
  images.remove();
  await platform.close();
});

describe('Statement of Compliance', () => {
  test('is refused for a product whose support period is not published, with the step to take', async () => {
    const message = refusal(await generateStatement(platform.db, actor(), productId, details).catch((e: unknown) => e));
    assert.match(message, /no published support period.*psti\.soc\.e.*Publish it first: Console → Products → Security Camera 2 → Support period/);
  });

  test('is refused while a requirement is not met, naming each and why', async () => {
    await setSupportPeriod(platform.db, actor(), productId, { endDate: '2031-03-31', publish: 'on' });
    const message = refusal(await generateStatement(platform.db, actor(), productId, details).catch((e: unknown) => e));
    assert.match(message, /psti\.s1\.1 \(.*\) is not yet assessed/);
    assert.match(message, /psti\.s1\.2 \(.*\) is not met: No vulnerability disclosure policy is published\. Next: Publish the disclosure policy/);
    assert.match(message, /psti\.s1\.3\.3/);
    assert.equal((await listStatements(platform.db, organisationId, productId)).length, 0);
  });

  test('is issued once every requirement is met, with every item the Regulations require, signed and kept by version', async () => {
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(images.tree(cleanTree()))], false), firmwareVersion: '3.1.0' });
    for (const id of ['psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d']) {
      await recordJudgement(platform.db, actor(), productId, { provisionId: id, status: 'not_applicable', reason: 'No password is pre-installed: the owner sets it in the app at first start.' });
    }
    await recordJudgement(platform.db, actor(), productId, { provisionId: 'psti.s1.3.3', status: 'met', reason: 'Our shop and retailer listings show the end date through the widget.' });
    await savePolicy(platform.db, actor(), { acknowledgeHours: 48, triageDays: 7, updateIntervalDays: 14, fixDaysCritical: 30, fixDaysHigh: 60, fixDaysMedium: 90, fixDaysLow: 180 });
    await generateKeyForOrganisation(platform.db, actor(), { email: 'security@statement.test' });

    const first = await generateStatement(platform.db, actor(), productId, details);
    assert.equal(first.version, 1);
    assert.equal(first.signed, true);
    const c = first.content;
    assert.equal(c.product.batch, details.batch);
    assert.equal(c.manufacturer.address, details.manufacturerAddress);
    assert.equal(c.supportPeriod.endDate, '2031-03-31');
    assert.deepEqual(
      c.requirements.map((r) => r.id),
      ['psti.s1.1', 'psti.s1.2', 'psti.s1.3'],
    );
    assert.ok(c.requirements[0]?.evidence.some((line) => /Firmware scan of firmware 3\.1\.0/.test(line)));

    const pdf = await statementFile(platform.db, { organisationId, statementRow: first.id }, 'pdf');
    const signature = await statementFile(platform.db, { organisationId, statementRow: first.id }, 'pdf.asc');
    assert.ok(pdf && signature);
    const key = await getOrganisationKey(platform.db, organisationId);
    assert.equal((await gpgVerifyDetached(key?.publicKey ?? '', pdf.body, signature.body.toString('utf8'))).code, 0, 'gpg verifies the PDF');
    const tampered = Buffer.from(pdf.body);
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 1;
    assert.notEqual((await gpgVerifyDetached(key?.publicKey ?? '', tampered, signature.body.toString('utf8'))).code, 0, 'gpg rejects a changed PDF');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-soc-'));
    try {
      fs.writeFileSync(path.join(dir, 'statement.pdf'), pdf.body);
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'statement.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      for (const expected of ['Statement of Compliance', 'Security Camera 2', 'SC-2', 'Wi-Fi security camera', 'SC2-000001', 'Statement Cameras Ltd', 'Manchester M1 1AA', 'Pat Example', 'Head of Product Security', '2031-03-31']) {
        assert.ok(text.includes(expected), `the PDF shows ${expected}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const second = await generateStatement(platform.db, actor(), productId, { ...details, batch: 'Batch 2026-12', publish: 'on' });
    assert.equal(second.version, 2);
    assert.equal(second.statementId, first.statementId);
    const all = await listStatements(platform.db, organisationId, productId);
    assert.deepEqual(
      all.map((s) => [s.version, s.public]),
      [
        [2, true],
        [1, false],
      ],
    );
    assert.equal((await publicStatement(platform.db, 'statement-cameras-ltd', 'sc-2'))?.content.version, 2);
    await setPublicStatement(platform.db, actor(), productId, null);
    assert.equal(await publicStatement(platform.db, 'statement-cameras-ltd', 'sc-2'), undefined);
  });

  test('a new failing scan re-opens the passwords duty and stops the next Statement', async () => {
    const planted = (await import('../firmware/fixtures.ts')).plantedTree().tree;
    await addEvidence(platform.db, actor(), productId, { report: scanJson([await scanPath(images.tree(planted))], false), firmwareVersion: '3.2.0' });
    const message = refusal(await generateStatement(platform.db, actor(), productId, details).catch((e: unknown) => e));
    assert.match(message, /psti\.s1\.1 \(.*\) is not met: Not met: psti\.s1\.1\.2a/);
    assert.equal((await listStatements(platform.db, organisationId, productId)).length, 2, 'earlier versions are kept');
  });

  test('the form’s mistakes are named per field', async () => {
    await assert.rejects(generateStatement(platform.db, actor(), productId, { ...details, batch: '', date: '26/11/2026' }), (e: unknown) => {
      assert.ok(e instanceof ConnectableError);
      assert.match(e.fields?.['batch'] ?? '', /Name the batch/);
      assert.match(e.fields?.['date'] ?? '', /YYYY-MM-DD/);
      return true;
    });
  });
});
