import fs from 'node:fs';

// The bundled lists in data/, each with its provenance in data/README.md. Loaded once, lowercased.

let common: Set<string> | undefined;
let defaults: Set<string> | undefined;

function lines(file: string): string[] {
  return fs.readFileSync(new URL(`../../data/${file}`, import.meta.url), 'utf8').split('\n');
}

/** SecLists' 10,000 most common passwords. */
export function commonPasswords(): Set<string> {
  common ??= new Set(
    lines('common-passwords.txt')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean),
  );
  return common;
}

/** Parses one RFC 4180 line of our own bundled CSV (fields may be quoted). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

export interface DefaultCredential {
  vendor: string;
  product: string;
  protocol: string;
  username: string;
  password: string;
  source: string;
}

let defaultRows: DefaultCredential[] | undefined;

/** The rows of one of our bundled CSV files in data/, keyed by its header's column names. */
export function bundledCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = lines(file).filter((l) => l.trim());
  const names = csvFields(header ?? '');
  return rows.map((l) => {
    const f = csvFields(l);
    return Object.fromEntries(names.map((n, i) => [n, f[i] ?? '']));
  });
}

/** Default credentials shipped on devices: the Mirai table and vendor defaults. */
export function defaultCredentials(): DefaultCredential[] {
  defaultRows ??= bundledCsv('default-credentials.csv').map((r) => ({
    vendor: r['vendor'] ?? '',
    product: r['product'] ?? '',
    protocol: r['protocol'] ?? '',
    username: r['username'] ?? '',
    password: r['password'] ?? '',
    source: r['source'] ?? '',
  }));
  return defaultRows;
}

export function defaultPasswords(): Set<string> {
  defaults ??= new Set(
    defaultCredentials()
      .map((c) => c.password.toLowerCase())
      .filter((p) => p.length > 0),
  );
  return defaults;
}
