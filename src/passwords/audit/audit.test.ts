import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isConnectableError } from '../../errors.ts';
import { alphabets } from '../alphabet.ts';
import { effWordList } from '../generate.ts';
import { auditBatch, type AuditReport } from './audit.ts';
import { auditSarif, auditText } from './report.ts';
import { badBatches, generated, toCsv, units } from '../../../test/support/batches.ts';

const audit = (csv: string, options: Partial<Parameters<typeof auditBatch>[1]> = {}): Promise<AuditReport> =>
  auditBatch(Readable.from([csv]), { format: 'csv', ...options });

const verdictOf = (report: AuditReport, id: string): string | undefined => report.conditions.find((c) => c.id === id)?.verdict;

describe('a batch with a known failure is caught, under the right condition', () => {
  for (const bad of badBatches) {
    test(bad.name, async () => {
      const report = await audit(toCsv(bad.batch()));
      assert.equal(verdictOf(report, bad.condition), 'fail', `${bad.condition}: ${JSON.stringify(report.conditions.find((c) => c.id === bad.condition), null, 1)}`);
      assert.equal(report.verdict, 'fail');
    });
  }
});

describe('batches from the generator pass every condition', () => {
  const key = crypto.randomBytes(32);
  const methods = {
    random: { kind: 'random', alphabet: alphabets.unambiguous, length: 12 },
    keyed: { kind: 'keyed', key, alphabet: alphabets.unambiguous, length: 12, identifierColumn: 'serial' },
    passphrase: { kind: 'passphrase', words: effWordList(), count: 5, separator: '-' },
    'random hex': { kind: 'random', alphabet: alphabets.hex, length: 16 },
  } as const;
  for (const [name, method] of Object.entries(methods)) {
    test(`${name}: 2,000 units`, async () => {
      const report = await audit(toCsv(generated(2000, method)));
      for (const c of report.conditions) assert.equal(c.verdict, 'pass', `${c.id}: ${c.summary} ${c.evidence.map((e) => e.finding).join(' ')}`);
      assert.equal(report.verdict, 'pass');
    });
  }

  test('property: any random batch from the generator passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 300 }), fc.constantFrom('unambiguous', 'alphanumeric', 'lowercase', 'hex'), async (n, alphabet) => {
        const length = alphabet === 'hex' ? 16 : alphabet === 'lowercase' ? 13 : 12;
        const report = await audit(toCsv(generated(n, { kind: 'random', alphabet: alphabets[alphabet], length })));
        assert.equal(report.verdict, 'pass', JSON.stringify(report.conditions.filter((c) => c.verdict === 'fail')));
      }),
      { numRuns: 60 },
    );
  });
});

describe('the report', () => {
  test('masks passwords unless asked to show them, and names lines to look at', async () => {
    const csv = toCsv(units(10, () => 'Xk9mQ2tPw7zR'));
    const masked = await audit(csv);
    const dup = masked.conditions.find((c) => c.id === 'psti.s1.1.2a');
    assert.equal(dup?.unitsAffected, 10);
    assert.deepEqual(dup?.evidence[0]?.examples, ['X••••••••••R']);
    assert.ok(!JSON.stringify(masked).includes('Xk9mQ2tPw7zR'));
    assert.deepEqual(dup?.evidence[0]?.exampleLines, [3, 4, 5, 6, 7]);
    const shown = await audit(csv, { showSecrets: true });
    assert.ok(JSON.stringify(shown).includes('Xk9mQ2tPw7zR'));
  });

  test('says which transformation explains which share of the batch', async () => {
    const half = units(200, (serial, mac, i) => (i % 2 ? mac.replace(/:/g, '').slice(-8).toLowerCase() : crypto.randomBytes(9).toString('base64url')));
    const report = await audit(toCsv(half));
    const derived = report.conditions.find((c) => c.id === 'psti.s1.1.3c');
    assert.equal(derived?.verdict, 'fail');
    assert.equal(derived?.unitsAffected, 100);
    assert.equal(derived?.share, 0.5);
    assert.match(derived?.evidence[0]?.finding ?? '', /100 of 200 passwords \(50\.00%\) are the last 8 characters of the identifier \(mac\)/);
  });

  test('text and SARIF carry each condition by its law id', async () => {
    const report = await audit(toCsv(badBatches.find((b) => b.name === 'the last 8 hex digits of the MAC')?.batch() ?? []));
    const text = auditText(report, 'batch.csv');
    assert.match(text, /FAIL {7}psti\.s1\.1\.3c/);
    assert.match(text, /Overall: FAIL/);
    const sarif = auditSarif(report, 'batch.csv', '0.1.0') as { version: string; runs: { results: { ruleId: string; locations: unknown[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    // Consecutive MACs make the derived passwords a counter too, and 8 hex digits are only 32 bits.
    const rules = sarif.runs[0]?.results.map((r) => r.ruleId) ?? [];
    assert.ok(rules.includes('psti.s1.1.3a') && rules.includes('psti.s1.1.3c'), rules.join(', '));
    assert.ok(!rules.includes('psti.s1.1.2a'), 'a passing condition is not a result');
    assert.ok((sarif.runs[0]?.results[0]?.locations.length ?? 0) > 0);
  });

  test('a pass on 3c says what it cannot see', async () => {
    const report = await audit(toCsv(generated(100, { kind: 'random', alphabet: alphabets.unambiguous, length: 12 })));
    const c = report.conditions.find((x) => x.id === 'psti.s1.1.3c');
    assert.match(c?.summary ?? '', /No derivation found from serial, mac among \d+ transformations/);
    assert.match(c?.limits ?? '', /keyed hash/);
  });
});

describe('bad input', () => {
  test('malformed rows are reported with their line numbers and skipped', async () => {
    const csv = 'serial,password\nA1,Kq7mXr2tPw9d\nA2,br"oken\nA3,Zt4nWq8rLm2x,extra\n"A4","Hj6pVb3sNc8y"\nA5,"Wd3kPq7\nmZ2s"\nA6,Rb8tNx4mQw2k\n';
    const report = await audit(csv);
    assert.deepEqual(
      report.malformedRows.first.map((p) => p.line),
      [3, 4],
    );
    assert.match(report.malformedRows.first[0]?.message ?? '', /quote/);
    assert.match(report.malformedRows.first[1]?.message ?? '', /3 fields but the header has 2/);
    assert.equal(report.units, 4, 'A1, A4, A5 (a quoted field across two lines) and A6');
  });

  test('a quote left open is reported at the line where it starts', async () => {
    const report = await audit('serial,password\nA1,Kq7mXr2tPw9d\nA2,Hj6pVb3sNc8y\nA3,"never closed\nA4,Zt4nWq8rLm2x\n');
    assert.equal(report.units, 2);
    assert.deepEqual(report.malformedRows.first, [{ line: 4, message: 'a quoted field is not closed before the end of the file' }]);
  });

  test('a file without a password column is refused, naming the columns it has', async () => {
    await assert.rejects(audit('serial,mac\nA1,00:11:22:33:44:55\n'), (e: unknown) => {
      assert.ok(isConnectableError(e));
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /No password column found\. The file has: serial, mac/);
      return true;
    });
  });

  test('an empty file is refused with what to give instead', async () => {
    await assert.rejects(audit(''), /The file is empty/);
  });

  test('property: the audit never throws anything but its own input error on arbitrary CSV', async () => {
    const header = fc.constantFrom('serial,password', 'password', 'mac,model,password', 'a,b', '');
    const cell = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('"', '""', '\n', ',', '\r\n', '"x"y', ''));
    await fc.assert(
      fc.asyncProperty(header, fc.array(fc.array(cell, { maxLength: 4 }), { maxLength: 30 }), async (h, rows) => {
        const csv = `${h}\n${rows.map((r) => r.join(',')).join('\n')}`;
        try {
          const report = await audit(csv);
          assert.ok(report.units > 0);
        } catch (e) {
          assert.ok(isConnectableError(e), `threw ${String(e)}`);
          assert.equal(e.code, 'CONNECTABLE_ERR_INVALID_INPUT');
        }
      }),
      { numRuns: 300 },
    );
  });
});
