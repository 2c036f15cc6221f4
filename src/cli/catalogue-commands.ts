import fs from 'node:fs';
import { ConnectableError, errorCatalogue, type ErrorCode } from '../errors.ts';
import { DEFAULT_WITHIN_DAYS, MAX_WITHIN_DAYS, catalogueLimits, catalogueStatuses, type CatalogueResult } from '../registry/index.ts';
import { catalogueCsv, catalogueFails, catalogueText } from '../registry/index.ts';
import { EXIT, json, usageError, type Command } from './command.ts';

// A thin client of the server's catalogue check: the published periods live in the server's
// database, so the check runs there and this command only sends the file and reports.

const DEFAULT_TOKEN_ENV = 'CONNECTABLE_TOKEN';
const TIMEOUT_MS = 5 * 60_000;

const checkUsage = `connectable catalogue check FILE --server URL [options]

Checks a catalogue against the support periods makers have published (PSTI Schedule 1 §3): for
each row, published, ending soon, ended, not found, invalid GTIN or unreadable. FILE is a CSV with
a header line naming a GTIN column (gtin, ean, upc or barcode) or maker and model columns (maker,
manufacturer or brand; model, model_number or mpn); a sku or reference column is copied through.
A .json file is sent as {"rows": [{"gtin": "…"}, {"maker": "…", "model": "…"}]}. At most
${catalogueLimits.maxRows.toLocaleString('en-GB')} rows and ${Math.round(catalogueLimits.maxBytes / 2 ** 20)} MB; - reads standard input.

  --server URL            the Connectable server, e.g. https://connectable.example.org
  --token-env VARIABLE    the environment variable that holds an API token with the
                          products.read scope (default ${DEFAULT_TOKEN_ENV}, when it is set)
  --within-days N         "ending soon" means ending within N days (default ${DEFAULT_WITHIN_DAYS})
  --format text|json|csv  the report (default text); --json is --format json
  --output FILE           write the report there; the summary still goes to the terminal

Exit code 1 when any row has ended, is not found, has an invalid GTIN or could not be read;
rows ending soon are listed but do not fail. Exit code 2 when the check could not run.`;

function readInput(file: string): Buffer {
  if (file === '-') return fs.readFileSync(0);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    throw usageError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
  }
  if (size > catalogueLimits.maxBytes) {
    throw usageError(`${file} is ${(size / 2 ** 20).toFixed(1)} MB; a check takes at most ${Math.round(catalogueLimits.maxBytes / 2 ** 20)} MB. Split it into smaller files, or leave out columns other than the GTIN, maker, model and SKU.`);
  }
  return fs.readFileSync(file);
}

function endpointOf(server: string, withinDays: number): URL {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw usageError(`--server takes the address of a Connectable server, such as https://connectable.example.org; got "${server}".`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw usageError(`--server must be an http:// or https:// address; got "${server}".`);
  // A server below a path (https://host/connectable) keeps its path.
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/catalogue/check`, base);
  url.searchParams.set('withinDays', String(withinDays));
  url.searchParams.set('format', 'json');
  return url;
}

function tokenOf(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): string | undefined {
  const named = values['token-env'];
  if (typeof named === 'string') {
    const token = env[named];
    if (!token) throw usageError(`The environment variable ${named} (from --token-env) is not set or is empty. Put an API token with the products.read scope in it.`);
    return token.trim();
  }
  return env[DEFAULT_TOKEN_ENV]?.trim() || undefined;
}

/** The server's problem document as our own error, so the exit code and wording carry over. */
function refusal(status: number, body: string, url: URL): ConnectableError {
  let problem: { code?: unknown; detail?: unknown } = {};
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    // Not a problem document: the address most likely is not a Connectable server.
  }
  const detail = typeof problem.detail === 'string' ? problem.detail : `it answered ${status} without a reason; check that ${url.origin} is a Connectable server.`;
  const code = typeof problem.code === 'string' && problem.code in errorCatalogue ? (problem.code as ErrorCode) : 'CONNECTABLE_ERR_INVALID_INPUT';
  const hint = status === 401 ? ` Give a token with --token-env VARIABLE (or set ${DEFAULT_TOKEN_ENV}).` : '';
  return new ConnectableError(code, `The server at ${url.origin} refused the check (${status}): ${detail}${hint}`);
}

function isResult(value: unknown): value is CatalogueResult {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<CatalogueResult>;
  return Array.isArray(r.entries) && typeof r.summary === 'object' && r.summary !== null && catalogueStatuses.every((s) => typeof r.summary?.byStatus?.[s] === 'number');
}

export const catalogueCommands: Record<string, Command> = {
  'catalogue check': {
    summary: 'Check a catalogue (CSV of GTINs or makers and models) for published support periods',
    usage: checkUsage,
    positionals: 'FILE',
    options: {
      server: { type: 'string' },
      'token-env': { type: 'string' },
      'within-days': { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      ...json,
    },
    async run(values, io, positionals) {
      const [file, ...extra] = positionals;
      if (!file || extra.length) throw usageError(`Give exactly one catalogue file (or - for standard input).\n\n${checkUsage}`);
      if (typeof values['server'] !== 'string') throw usageError('Give the Connectable server to check against with --server URL, e.g. --server https://connectable.example.org.');
      const rawDays = values['within-days'];
      const withinDays = rawDays === undefined ? DEFAULT_WITHIN_DAYS : Number(rawDays);
      if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > MAX_WITHIN_DAYS) {
        throw usageError(`--within-days takes a whole number from 0 to ${MAX_WITHIN_DAYS}; got "${String(rawDays)}".`);
      }
      const formats = ['text', 'json', 'csv'] as const;
      const format = values['json'] ? 'json' : (values['format'] ?? 'text');
      if (typeof format !== 'string' || !formats.includes(format as (typeof formats)[number])) throw usageError(`--format takes one of ${formats.join(', ')}; got "${String(format)}".`);
      const url = endpointOf(values['server'], withinDays);
      const token = tokenOf(values, io.env);
      const body = readInput(file);

      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': /\.json$/i.test(file) ? 'application/json' : 'text/csv; charset=utf-8',
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 60_000} minutes` : (cause?.code ?? cause?.message ?? (e as Error).message);
        throw usageError(`Could not reach ${url.origin}${url.pathname} (${reason}). Check the --server address and that the server is running.`);
      }
      const text = await response.text();
      if (!response.ok) throw refusal(response.status, text, url);
      let result: unknown;
      try {
        result = JSON.parse(text);
      } catch {
        result = undefined;
      }
      if (!isResult(result)) throw usageError(`${url.origin} did not answer as a Connectable server does; check the --server address.`);

      const summary = catalogueText(result, { source: file === '-' ? 'standard input' : file });
      const report = format === 'json' ? JSON.stringify(result, null, 2) : format === 'csv' ? catalogueCsv(result).trimEnd() : summary;
      if (typeof values['output'] === 'string') {
        fs.writeFileSync(values['output'], `${report}\n`);
        io.out(`${summary}\n\nReport written to ${values['output']}.`);
      } else {
        io.out(report);
      }
      return catalogueFails(result) ? EXIT.findings : EXIT.ok;
    },
  },
};
