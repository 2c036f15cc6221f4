// Cracking throughput of crackHashes (worker threads on every core) against John the Ripper on
// the same hashes and the same word list: sha512crypt and md5crypt, strong passwords no list
// holds, so both run through the list. Figures are hash computations per second (John's "c/s").
// Run: npx node --import tsx bench/crack-speed.ts [seconds]
// Needs openssl; John is optional (Debian package john; 1.9 "core" has no native sha512crypt and
// falls back to --format=crypt, which is glibc's crypt()).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crackCandidates, crackHashes } from '../src/firmware/crypt/crack.ts';

const seconds = Number(process.argv[2] ?? 10);
const HASHES = 4;
const words = crackCandidates();
const dir = mkdtempSync(join(tmpdir(), 'crack-speed-'));
const wordlist = join(dir, 'words.txt');
// John reads lines; the empty password is left out of both runs so the lists are identical.
const list = words.filter((w) => w !== '' && !w.includes('\n'));
writeFileSync(wordlist, `${list.join('\n')}\n`);

function strong(): string {
  return randomBytes(12).toString('base64');
}

function openssl(flag: '-1' | '-6', password: string): string {
  const salt = randomBytes(6).toString('base64').replace(/[+/=]/g, '.');
  return execFileSync('openssl', ['passwd', flag, '-salt', salt, '--', password], { encoding: 'utf8' }).trim();
}

async function ours(hashes: string[]): Promise<number> {
  const started = Date.now();
  const results = await crackHashes(
    hashes.map((hash, i) => ({ account: `u${i}`, hash })),
    list,
    { deadline: started + seconds * 1000, workers: availableParallelism() },
  );
  const elapsed = (Date.now() - started) / 1000;
  return results.reduce((sum, r) => sum + r.tried, 0) / elapsed;
}

function john(format: string, hashes: string[]): { rate: number; format: string } | null {
  const which = spawnSync('sh', ['-c', 'command -v john'], { encoding: 'utf8' });
  if (which.status !== 0) return null;
  const file = join(dir, `${format}.txt`);
  writeFileSync(file, hashes.map((h, i) => `u${i}:${h}`).join('\n') + '\n');
  const run = (f: string) =>
    spawnSync('john', [`--format=${f}`, `--wordlist=${wordlist}`, `--max-run-time=${seconds}`, `--pot=${join(dir, 'john.pot')}`, `--session=${join(dir, f)}`, file], { encoding: 'utf8' });
  let used = format;
  let result = run(format);
  if (/Unknown ciphertext format name|No password hashes loaded/.test(`${result.stdout}${result.stderr}`) && format === 'sha512crypt') {
    used = 'crypt';
    result = run(used);
  }
  const status = `${result.stdout}\n${result.stderr}`;
  const match = /([\d.]+)([KM]?)c\/s/.exec(status);
  if (!match) {
    console.log(`john (${used}) printed no rate:\n${status}`);
    return null;
  }
  const scale = match[2] === 'K' ? 1e3 : match[2] === 'M' ? 1e6 : 1;
  return { rate: Number(match[1]) * scale, format: used };
}

try {
  console.log(`${list.length} candidates, ${HASHES} hashes per scheme, ${availableParallelism()} cores, up to ${seconds} s each`);
  for (const [scheme, flag] of [
    ['md5crypt', '-1'],
    ['sha512crypt', '-6'],
  ] as const) {
    const hashes = Array.from({ length: HASHES }, () => openssl(flag, strong()));
    const rate = await ours(hashes);
    console.log(`${scheme} ours: ${Math.round(rate)} hashes/s`);
    const peer = john(scheme, hashes);
    if (peer) {
      console.log(`${scheme} john --format=${peer.format}: ${Math.round(peer.rate)} hashes/s`);
      console.log(`${scheme} ratio ours/john: ${(rate / peer.rate).toFixed(2)}`);
    } else console.log(`${scheme} john: not installed (apt-get install -y john)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
