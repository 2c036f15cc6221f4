import fs from 'node:fs';
import { failOnChoices, fails, scanJson, scanSarif, scanText, type FailOn } from '../firmware/report.ts';
import { DEFAULT_TIMEOUT_SECONDS, scanPath, type ScanReport } from '../firmware/scan-image.ts';
import type { ScanProgress } from '../firmware/scan.ts';
import { EXIT, json, usageError, type Command, type Io } from './command.ts';
import { VERSION } from './passwords-commands.ts';
import { uploadEvidence, uploadOptions, uploadTarget, uploadUsage } from './upload.ts';

const usage = `connectable scan IMAGE|DIRECTORY ... [options]

Unpacks each firmware image in memory (SquashFS, CPIO, tar, ZIP, uImage/FIT, ext2/3/4, JFFS2,
CramFS, UBI/UBIFS, gzip, xz, LZMA, bzip2, zstd, LZ4 — nested as deep as they go) or reads an already-extracted directory, and reports
every credential fixed in it: login accounts and their cracked passwords, service configurations,
hard-coded credentials, private keys and tokens. Exit 1 when the image breaks the password duty
(PSTI Schedule 1 paragraph 1), 0 when it does not, 2 when it could not be scanned.
  --format text|json|sarif   how to report (default text; --json is --format json)
  --output FILE              write the report there instead of standard output
  --fail-on WHAT             universal (default), critical, high, medium, low, info or never
  --show-secrets             print the secrets found instead of masking them
  --timeout SECONDS          time allowed per image (default ${DEFAULT_TIMEOUT_SECONDS})
${uploadUsage}`;

/**
 * A progress bar on a terminal (quiet when output is piped or in CI): how far through the image's
 * own bytes carving has got, with what has been unpacked so far; then which file system is being
 * inspected. Written synchronously, since unpackers call it from inside their loops.
 */
function progress(io: Io): ((p: ScanProgress) => void) | undefined {
  if (!process.stderr.isTTY || io.env['CI']) return undefined;
  let last = 0;
  const width = 24;
  return (p) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const filled = Math.max(0, Math.min(width, Math.round(p.fraction * width)));
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(p.fraction * 100)
      .toString()
      .padStart(3)}%`;
    const what = p.phase === 'inspecting' ? `inspecting ${p.location}` : `${p.containers} containers, ${p.entries.toLocaleString('en-GB')} entries, ${(p.bytes / 2 ** 20).toFixed(1)} MiB unpacked`;
    const columns = process.stderr.columns || 100;
    const line = `  ${bar}  ${what}`;
    process.stderr.write(`\r${line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line}\x1b[K`);
  };
}

export const scanCommands: Record<string, Command> = {
  scan: {
    summary: 'Scan firmware images for universal default credentials and shared secrets',
    usage,
    positionals: 'IMAGE|DIRECTORY ...',
    options: {
      format: { type: 'string' },
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      'show-secrets': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      ...uploadOptions,
      ...json,
    },
    async run(values, io, positionals) {
      if (positionals.length === 0) throw usageError(`Give at least one image or directory to scan.\n\n${usage}`);
      const format = values['json'] ? 'json' : String(values['format'] ?? 'text');
      if (!['text', 'json', 'sarif'].includes(format)) throw usageError(`--format takes text, json or sarif; got "${format}".`);
      const failOn = String(values['fail-on'] ?? 'universal');
      if (!(failOnChoices as readonly string[]).includes(failOn)) throw usageError(`--fail-on takes one of ${failOnChoices.join(', ')}; got "${failOn}".`);
      const timeout = values['timeout'] === undefined ? undefined : Number(values['timeout']);
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0 && timeout <= 86_400)) throw usageError('--timeout takes whole seconds from 1 to 86400.');
      for (const target of positionals) {
        if (!fs.existsSync(target)) throw usageError(`${target} does not exist. Give the path of a firmware image or of a directory of extracted files.`);
      }
      const showSecrets = values['show-secrets'] === true;
      const upload = uploadTarget(values, io);
      const reports: ScanReport[] = [];
      for (const target of positionals) {
        const onProgress = progress(io);
        if (onProgress) process.stderr.write(`Scanning ${target}\n`);
        reports.push(await scanPath(target, { showSecrets, ...(timeout ? { timeoutSeconds: timeout } : {}), ...(onProgress ? { onProgress } : {}) }));
        if (onProgress) process.stderr.write('\r\x1b[K');
      }
      const text = format === 'json' ? scanJson(reports, showSecrets) : format === 'sarif' ? JSON.stringify(scanSarif(reports, VERSION), null, 2) : scanText(reports);
      if (typeof values['output'] === 'string') fs.writeFileSync(values['output'], `${text}\n`);
      else io.out(text);
      if (upload) for (const line of await uploadEvidence(upload, 'firmware-scan', 'connectable scan', VERSION, JSON.parse(scanJson(reports, false)))) io.err(line);
      return reports.some((r) => fails(r, failOn as FailOn)) ? EXIT.findings : EXIT.ok;
    },
  },
};
