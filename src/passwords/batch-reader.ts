import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

// Reads a batch of units (one device per row) from CSV or JSON Lines as a stream, in slices, so a
// file of any size passes through bounded memory. A malformed row is reported with its line
// number and skipped; only a file with no usable header is fatal, and that is the caller's call.

export type BatchFormat = 'csv' | 'jsonl';

export interface BatchRow {
  line: number;
  values: Record<string, string>;
}

export interface BatchProblem {
  line: number;
  message: string;
}

export interface BatchReaderLimits {
  /** Longest field accepted; a password column is short, so this is generous. */
  maxFieldChars: number;
  maxColumns: number;
}

export const defaultLimits: BatchReaderLimits = { maxFieldChars: 4096, maxColumns: 256 };

export function guessFormat(fileName: string, firstBytes: string): BatchFormat {
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl';
  if (/\.csv$/i.test(fileName)) return 'csv';
  return firstBytes.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Lowercase, trimmed, spaces and dashes as underscores: "Serial Number" → "serial_number". */
export function normaliseColumn(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Splits CSV text into records, keeping state across chunks (quoted fields may span lines). */
class CsvSplitter {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private line = 1;
  private recordLine = 1;
  private broken: string | undefined;
  private readonly limits: BatchReaderLimits;

  constructor(limits: BatchReaderLimits) {
    this.limits = limits;
  }

  feed(text: string, emit: (line: number, fields: string[] | string) => void): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (!this.inQuotes && !this.afterQuote && this.field === '' && this.broken === undefined) {
        // Fast path: an unquoted record that ends inside this chunk.
        const end = text.indexOf('\n', i);
        if (end !== -1) {
          const raw = text.slice(i, end);
          if (raw.indexOf('"') === -1) {
            const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
            const parts = this.fields.length ? [...this.fields, ...body.split(',')] : body.split(',');
            this.fields = [];
            this.finish(parts, emit);
            i = end + 1;
            continue;
          }
        }
      }
      const c = text[i] as string;
      i++;
      if (this.inQuotes) {
        if (c === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
        }
        if (this.field.length > this.limits.maxFieldChars) this.broken ??= `a field is longer than ${this.limits.maxFieldChars} characters`;
        continue;
      }
      if (c === '"') {
        if (this.afterQuote) {
          // "" inside a quoted field is one quote.
          this.field += '"';
          this.inQuotes = true;
          this.afterQuote = false;
        } else if (this.field === '') {
          this.inQuotes = true;
        } else {
          this.broken ??= 'a quote appears inside an unquoted field; quote the whole field and double the inner quote';
          this.field += c;
        }
      } else if (c === ',') {
        this.fields.push(this.field);
        this.field = '';
        this.afterQuote = false;
      } else if (c === '\n') {
        this.fields.push(this.field.endsWith('\r') ? this.field.slice(0, -1) : this.field);
        this.field = '';
        this.afterQuote = false;
        const fields = this.fields;
        this.fields = [];
        this.finish(fields, emit);
      } else {
        if (this.afterQuote && c !== '\r') this.broken ??= 'text follows the closing quote of a field';
        this.field += c;
        if (this.field.length > this.limits.maxFieldChars) this.broken ??= `a field is longer than ${this.limits.maxFieldChars} characters`;
      }
    }
  }

  end(emit: (line: number, fields: string[] | string) => void): void {
    if (this.inQuotes) {
      emit(this.recordLine, 'a quoted field is not closed before the end of the file');
      return;
    }
    if (this.field !== '' || this.fields.length) {
      this.fields.push(this.field);
      this.finish(this.fields, emit);
    }
  }

  private finish(fields: string[], emit: (line: number, fields: string[] | string) => void): void {
    const line = this.recordLine;
    this.line++;
    this.recordLine = this.line;
    if (this.broken !== undefined) {
      emit(line, this.broken);
      this.broken = undefined;
      return;
    }
    if (fields.length > this.limits.maxColumns) {
      emit(line, `the row has ${fields.length} columns; at most ${this.limits.maxColumns} are read`);
      return;
    }
    if (fields.length === 1 && fields[0] === '') return;
    for (const f of fields) if (f.length > this.limits.maxFieldChars) return emit(line, `a field is longer than ${this.limits.maxFieldChars} characters`);
    emit(line, fields);
  }
}

export interface BatchStream {
  /** The columns, normalised, in file order; known once the first slice arrives. */
  columns(): string[];
  /** Rows in slices of a few thousand, in file order. */
  slices: AsyncIterable<BatchRow[]>;
}

/**
 * Reads rows from a stream. CSV needs a header line; JSON Lines takes each object's keys, and
 * values of any JSON type become text. Problems go to onProblem and the row is skipped.
 */
export function readBatch(source: Readable, format: BatchFormat, onProblem: (p: BatchProblem) => void, limits: BatchReaderLimits = defaultLimits): BatchStream {
  let header: string[] | undefined;
  const seenKeys = new Map<string, true>();

  async function* slices(): AsyncGenerator<BatchRow[]> {
    const decoder = new StringDecoder('utf8');
    let out: BatchRow[] = [];
    if (format === 'csv') {
      const splitter = new CsvSplitter(limits);
      const emit = (line: number, fields: string[] | string): void => {
        if (typeof fields === 'string') return onProblem({ line, message: fields });
        if (!header) {
          header = fields.map(normaliseColumn);
          return;
        }
        if (fields.length !== header.length) {
          return onProblem({ line, message: `the row has ${fields.length} fields but the header has ${header.length}` });
        }
        const values: Record<string, string> = {};
        for (let j = 0; j < header.length; j++) values[header[j] as string] = fields[j] as string;
        out.push({ line, values });
      };
      for await (const chunk of source) {
        splitter.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer), emit);
        if (out.length >= 4096) {
          yield out;
          out = [];
        }
      }
      splitter.feed(decoder.end(), emit);
      splitter.end(emit);
      if (out.length) yield out;
      return;
    }
    let pending = '';
    let lineNo = 0;
    const take = (text: string): void => {
      lineNo++;
      const trimmed = text.trim();
      if (!trimmed) return;
      if (trimmed.length > limits.maxFieldChars * 8) return onProblem({ line: lineNo, message: 'the line is too long for one unit' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (e) {
        return onProblem({ line: lineNo, message: `not valid JSON (${e instanceof Error ? e.message : String(e)})` });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return onProblem({ line: lineNo, message: 'each line must be one JSON object' });
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) {
        const key = normaliseColumn(k);
        if (!seenKeys.has(key)) {
          if (seenKeys.size >= limits.maxColumns) continue;
          seenKeys.set(key, true);
        }
        values[key] = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
      }
      header = [...seenKeys.keys()];
      out.push({ line: lineNo, values });
    };
    for await (const chunk of source) {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        take(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      if (pending.length > limits.maxFieldChars * 64) {
        onProblem({ line: lineNo + 1, message: 'a line is too long for one unit; it was skipped' });
        pending = '';
      }
      if (out.length >= 4096) {
        yield out;
        out = [];
      }
    }
    pending += decoder.end();
    if (pending) take(pending);
    if (out.length) yield out;
  }

  return { columns: () => header ?? [], slices: slices() };
}
