// Cracking throughput of crackHashes (worker threads on every core) against John the Ripper on
// the same hashes and the same word list: sha512crypt and md5crypt, strong passwords no list
// holds, so both run through the list. Figures are hash computations per second (John's "c/s").
// Run: npx node --import tsx bench/crack-speed.ts [seconds] [hashes per scheme, default 4]
// With 4 hashes both sides get through the whole md5crypt list in a second or two, so our figure
// then includes starting the worker threads (about 0.15 s) and John's is taken over about one
// second; 16 hashes give the steady rates.
// Needs openssl; John is optional (Debian package john; 1.9 "core" has no native sha512crypt, so
// that comparison falls back to --format=crypt, glibc's crypt() on John's OpenMP threads).
// Both sides run on all cores; on a shared machine run it twice and keep the quieter figure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crackCandidates, crackHashes } from '../src/firmware/crypt/crack.ts';

const seconds = Number(process.argv[2] ?? 10);
const HASHES = Number(process.argv[3] ?? 4);
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

// Runs john for at most `seconds`; SIGINT then makes it print its status line and exit.
function runJohn(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('john', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), seconds * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

async function john(format: string, hashes: string[]): Promise<{ rate: number; format: string } | null> {
  if (spawnSync('sh', ['-c', 'command -v john']).status !== 0) return null;
  const file = join(dir, `${format}.txt`);
  writeFileSync(file, hashes.map((h, i) => `u${i}:${h}`).join('\n') + '\n');
  // John 1.9 core has no --max-run-time (a jumbo option), so runJohn stops it after the same
  // time. The hashes are random strong passwords, so no old john.pot can hold them.
  const run = (f: string) => runJohn([`--format=${f}`, `--wordlist=${wordlist}`, `--session=${join(dir, f)}`, file]);
  let used = format;
  let status = await run(format);
  if (/Unknown ciphertext format name/.test(status) && format === 'sha512crypt') {
    used = 'crypt';
    status = await run(used);
  }
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
    const peer = await john(scheme, hashes);
    if (peer) {
      console.log(`${scheme} john --format=${peer.format}: ${Math.round(peer.rate)} hashes/s`);
      console.log(`${scheme} ratio ours/john: ${(rate / peer.rate).toFixed(2)}`);
    } else console.log(`${scheme} john: not installed (apt-get install -y john)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
