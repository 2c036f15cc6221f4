// Audit of a 1,000,000-unit batch (serial, MAC, random password), all checks on: time and peak
// memory, side by side with `sort | uniq -d` on the password column, which is the floor for the
// duplicate check alone. Run: npx node --import tsx bench/passwords-audit.ts [units]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alphabets, auditBatch, passwordMaker } from '../src/passwords/index.ts';

const units = Number(process.argv[2] ?? 1_000_000);

if (process.argv[3] === '--child') {
  // The measured run, alone in its process so its peak memory is its own.
  const file = process.argv[4] ?? '';
  const started = performance.now();
  const report = await auditBatch(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { format: 'csv' });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, verdict: report.verdict, units: report.units }));
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-bench-'));
const file = path.join(dir, 'batch.csv');
const make = passwordMaker({ kind: 'random', alphabet: alphabets.unambiguous, length: 12 });
const out = fs.openSync(file, 'w');
fs.writeSync(out, 'serial,mac,password\n');
let chunk = '';
for (let i = 0; i < units; i++) {
  const mac = (0x3c5a_b400_0000 + i * 2).toString(16).padStart(12, '0').match(/../g)?.join(':') ?? '';
  chunk += `SN${String(i + 1).padStart(8, '0')},${mac},${make({})}\n`;
  if (chunk.length > 1 << 20) {
    fs.writeSync(out, chunk);
    chunk = '';
  }
}
fs.writeSync(out, chunk);
fs.closeSync(out);
const size = fs.statSync(file).size;

const peerStart = performance.now();
execFileSync('bash', ['-c', `cut -d, -f3 "${file}" | LC_ALL=C sort | uniq -d > /dev/null`]);
const peerSeconds = (performance.now() - peerStart) / 1000;

const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, String(units), '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
if (child.status !== 0) throw new Error(`audit run failed: ${child.stderr}`);
const ours = JSON.parse(child.stdout) as { seconds: number; maxRssMiB: number; verdict: string; units: number };
fs.rmSync(dir, { recursive: true, force: true });

console.log(`batch: ${units.toLocaleString('en-GB')} units, ${(size / 2 ** 20).toFixed(1)} MiB CSV (serial, MAC, random password)`);
console.log(`connectable passwords audit (all checks): ${ours.seconds.toFixed(2)} s, peak RSS ${ours.maxRssMiB.toFixed(0)} MiB, verdict ${ours.verdict}`);
console.log(`peer, cut | sort | uniq -d (duplicates only): ${peerSeconds.toFixed(2)} s`);
console.log(`ratio ours/peer: ${(ours.seconds / peerSeconds).toFixed(2)}x (target: under 15 s and 1 GiB)`);
