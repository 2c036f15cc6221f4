import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { PNG } from 'pngjs';
import { MARGIN, PAGE_HEIGHT, PAGE_WIDTH } from '../../src/compliance/pdf-layout.ts';

// What poppler, a PDF reader independent of pdf-lib that writes them, makes of the compliance
// PDFs (src/compliance/*-pdf.test.ts): their text, metadata, word boxes and rendered pages.

/** A word as pdftotext -bbox places it, in points from the top left of its page. */
export interface PdfWord {
  page: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  text: string;
}

export interface PdfRead {
  /** pdftotext -layout with whitespace collapsed, so wrapped values read as one run. */
  text: string;
  /** The same, page by page. */
  pages: string[];
  info: Record<string, string>;
  words: PdfWord[];
  /** Every page rendered at 50 dpi. */
  pngs: Buffer[];
}

/**
 * Reads PDFs with poppler for one test file: each is written, with its rendered pages, to a
 * temporary directory made before the file's tests and removed after them.
 */
export function pdfReader(name: string): (pdf: Uint8Array) => PdfRead {
  let dir = '';
  let files = 0;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return (pdf) => readPdf(pdf, dir, `doc${files++}`);
}

function readPdf(pdf: Uint8Array, dir: string, name: string): PdfRead {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const layoutText = run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
  const info = Object.fromEntries(
    run('pdfinfo', ['-isodates', '-enc', 'UTF-8', file])
      .split('\n')
      .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const words = run('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-'])
    .split('<page ')
    .slice(1)
    .flatMap((page, index) =>
      [...page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
        page: index,
        xMin: Number(m[1]),
        yMin: Number(m[2]),
        xMax: Number(m[3]),
        yMax: Number(m[4]),
        text: unescapeXml(m[5] ?? ''),
      })),
    );
  run('pdftoppm', ['-png', '-r', '50', file, path.join(dir, name)]);
  const pngs = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
  return { text: flat(layoutText), pages: layoutText.split('\f').filter((p) => p.trim() !== '').map(flat), info, words, pngs };
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Text with every run of whitespace made one space, as PdfRead's text is. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The PDF's text holds value, however value and the PDF wrap it. */
export function assertIncludes(read: PdfRead, value: string): void {
  assert.ok(read.text.includes(flat(value)), `the PDF text lacks ${JSON.stringify(value.slice(0, 120))}`);
}

/** How many pixels of a rendered page are of a colour. */
export function pixels(png: Buffer, predicate: (r: number, g: number, b: number) => boolean): number {
  const image = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) if (predicate(image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0)) n++;
  return n;
}

/** Pixels clearly darker than the white page: a rendered page with text has plenty. */
export function inkedPixels(png: Buffer): number {
  return pixels(png, (r) => r < 160);
}

/** Words poppler finds outside the margins (the footer sits inside the bottom one). */
export function wordsOffPage(words: PdfWord[]): PdfWord[] {
  const slack = 0.5;
  return words.filter((w) => w.xMin < MARGIN - slack || w.xMax > PAGE_WIDTH - MARGIN + slack || w.yMin < MARGIN - slack || w.yMax > PAGE_HEIGHT - 20);
}
