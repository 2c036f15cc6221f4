// The page-flow engine the Statement of Compliance and the assessment export share: A4 pages,
// the two standard Helvetica faces (nothing to embed, so documents stay small and byte-for-byte
// reproducible), word wrapping measured with the real font metrics, page breaks, and a footer
// with "Page N of M". Every text it draws is recorded in `placed`, so tests can prove that no
// line, however hostile the user's text, runs past the margins.

import { PDFDocument, StandardFonts, rgb, type Color, type PDFFont, type PDFPage } from 'pdf-lib';

/** A4 in points. */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
/** About 20 mm on every side; the footer sits inside the bottom margin. */
export const MARGIN = 56;
const FOOTER_BASELINE = 30;
const FOOTER_SIZE = 8;
const LEADING = 1.3;

export const colours = {
  text: rgb(0, 0, 0),
  muted: rgb(0.35, 0.35, 0.35),
  rule: rgb(0.75, 0.75, 0.75),
  red: rgb(0.72, 0.07, 0.07),
  amber: rgb(0.7, 0.4, 0),
  green: rgb(0.05, 0.45, 0.15),
} as const;

// --- text that Helvetica can show -----------------------------------------------------------

// WinAnsi (Windows-1252) beyond Latin-1: what the standard 14 fonts can show outside
// U+0020–U+007E and U+00A0–U+00FF. Checked against pdf-lib's own encoder in the tests.
const WIN_ANSI_EXTRA = new Set(
  [
    0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e,
    0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
  ].map((cp) => String.fromCodePoint(cp)),
);

function encodable(ch: string): boolean {
  if (ch.length !== 1) return false;
  const cp = ch.charCodeAt(0);
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(ch);
}

// Look-alikes people paste from word processors and the web, mapped to what WinAnsi has.
const SUBSTITUTES: ReadonlyMap<string, string> = new Map([
  ['\t', ' '],
  // Spaces of every width read as a space; the no-break space is encodable but would not match a
  // plain-space search in the extracted text, which is how regulators find things in a PDF.
  ['\u00a0', ' '],
  ['\u1680', ' '],
  ...[...'\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000'].map((c): [string, string] => [c, ' ']),
  // Invisible joiners and hyphenation hints carry no text.
  ...[...'\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e'].map((c): [string, string] => [c, '']),
  ['\u2010', '-'],
  ['\u2011', '-'],
  ['\u2012', '\u2013'],
  ['\u2015', '\u2014'],
  ['\u2212', '-'],
  ['\u2043', '\u2022'],
  ['\u201b', '\u2018'],
  ['\u201f', '\u201c'],
  ['\u2032', "'"],
  ['\u2033', '"'],
  ['\u2035', "'"],
  ['\u2036', '"'],
  ['\u275b', '\u2018'],
  ['\u275c', '\u2019'],
  ['\u275d', '\u201c'],
  ['\u275e', '\u201d'],
  ['\u301d', '\u201c'],
  ['\u301e', '\u201d'],
  ['\uff02', '"'],
  ['\uff07', "'"],
  ['\u25e6', '\u2022'],
  ['\u2023', '\u2022'],
  ['\u2219', '\u2022'],
  ['\u25cf', '\u2022'],
  ['\u25aa', '\u2022'],
  ['\u25a0', '\u2022'],
  ['\u2027', '\u00b7'],
  ['\u2264', '<='],
  ['\u2265', '>='],
  ['\u2260', '!='],
  ['\u2192', '->'],
  ['\u2190', '<-'],
  ['\u2194', '<->'],
  ['\u21d2', '=>'],
  ['\u2248', '~'],
  ['\u2713', '\u2022'],
  ['\u2714', '\u2022'],
  ['\u2116', 'No.'],
]);

const LINE_BREAKS = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text` as one line Helvetica (WinAnsi) can show: look-alikes become their WinAnsi equivalents,
 * accented letters outside Latin-1 lose their accent ("ő" → "o"), line breaks become spaces, and
 * whatever is left (emoji, CJK, control characters) becomes "?". Never throws: product names and
 * addresses come from users.
 */
export function pdfSafe(text: string): string {
  let out = '';
  // Grapheme by grapheme, so a flag or a family emoji becomes one "?" rather than three.
  for (const { segment } of graphemes.segment(String(text).normalize('NFC'))) {
    out += safeGrapheme(segment);
  }
  return out;
}

function safeGrapheme(grapheme: string): string {
  if (LINE_BREAKS.test(grapheme)) return ' ';
  const first = String.fromCodePoint(grapheme.codePointAt(0) ?? 0x3f);
  const substitute = SUBSTITUTES.get(first);
  if (substitute !== undefined && (grapheme.length === first.length || /^\p{M}+$/u.test(grapheme.slice(first.length)))) return substitute;
  if (grapheme.length === 1 && encodable(grapheme)) return grapheme;
  // Compatibility decomposition strips accents and unpacks ligatures ("ﬁ" → "fi", "ő" → "o").
  const base = grapheme.normalize('NFKD').replace(/\p{M}/gu, '');
  if (base.length > 0 && [...base].every(encodable)) return base;
  // A combining mark NFC could not attach adds nothing readable.
  if (base.length === 0 && /^\p{M}+$/u.test(grapheme)) return '';
  return '?';
}

// --- dates --------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

// Only ISO 8601 with an explicit zone: Date.parse also accepts "end of 2030", and reads a time
// without a zone in the machine's local zone, so the same content could render differently.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseTimestamp(value: string): number | null {
  if (!ISO_TIMESTAMP.test(value.trim())) return null;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? null : ms;
}

function isoDay(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? value.trim() : null;
  }
  const ms = parseTimestamp(value);
  return ms === null ? null : new Date(ms).toISOString().slice(0, 10);
}

/** "2031-03-31" → "31 March 2031 (2031-03-31)": words for people, ISO for unambiguous reference. Timestamps use their UTC day. */
export function dateInWords(value: string): string {
  const day = isoDay(value);
  if (day === null) return value;
  const [y, m, d] = day.split('-').map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]} ${y} (${day})`;
}

/** "2026-11-20T14:03:09Z" → "20 November 2026 (2026-11-20) 14:03 UTC". */
export function timestampInWords(value: string): string {
  const ms = parseTimestamp(value);
  if (ms === null) return dateInWords(value);
  return `${dateInWords(value)} ${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** The document's creation date; it comes from the content, never the clock, so renders are reproducible. */
export function documentDate(generatedAt: string): Date {
  const ms = parseTimestamp(generatedAt);
  if (ms === null) throw new RangeError(`generatedAt is not an ISO 8601 timestamp with a zone: ${JSON.stringify(generatedAt.slice(0, 60))}`);
  return new Date(ms);
}

// --- measuring and wrapping -----------------------------------------------------------------

export type Face = 'regular' | 'bold';

export interface Style {
  face?: Face;
  size?: number;
  colour?: Color;
}

/** A run of text as drawn: baseline at (x, y), `width` as the glyphs occupy it. */
export interface PlacedText {
  page: number;
  text: string;
  x: number;
  y: number;
  width: number;
  size: number;
  colour: Color;
}

export interface Rendered {
  pdf: Uint8Array;
  placed: readonly PlacedText[];
}

/** The drawn runs that stray outside the margins (the footer belongs inside the bottom one): the layout promises there are none. */
export function outsideMargins(placed: readonly PlacedText[]): PlacedText[] {
  const tolerance = 0.01;
  return placed.filter(
    (t) =>
      t.x < MARGIN - tolerance ||
      t.x + t.width > PAGE_WIDTH - MARGIN + tolerance ||
      t.y < FOOTER_BASELINE - tolerance ||
      t.y + t.size > PAGE_HEIGHT - MARGIN + tolerance ||
      (t.y < MARGIN - tolerance && t.y !== FOOTER_BASELINE),
  );
}

export interface Line {
  text: string;
  face: Face;
  size: number;
  colour: Color;
  /** Offset within its cell: the hanging indent of a bullet's continuation lines. */
  indent?: number;
}

/** One column of a table row: `x` is its offset from the left margin. */
export interface Cell {
  x: number;
  lines: Line[];
}

export interface DocumentInfo {
  title: string;
  subject: string;
  author?: string;
  keywords?: string[];
  generatedAt: string;
}

export class PdfLayout {
  readonly doc: PDFDocument;
  readonly placed: PlacedText[] = [];
  readonly contentWidth = PAGE_WIDTH - 2 * MARGIN;
  /** Called after every page break, e.g. to repeat a table's column headings. */
  onNewPage: (() => void) | null = null;
  private readonly fonts: Record<Face, PDFFont>;
  private readonly glyphWidths = new Map<PDFFont, Map<string, number>>();
  private page: PDFPage;
  private y: number;

  private constructor(doc: PDFDocument, fonts: Record<Face, PDFFont>) {
    this.doc = doc;
    this.fonts = fonts;
    this.page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.y = PAGE_HEIGHT - MARGIN;
  }

  static async create(info: DocumentInfo): Promise<PdfLayout> {
    const date = documentDate(info.generatedAt);
    // pdf-lib would stamp its own name and the current time; both are set here instead.
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.setTitle(truncate(pdfSafe(info.title), 300), { showInWindowTitleBar: true });
    doc.setSubject(pdfSafe(info.subject));
    if (info.author !== undefined) doc.setAuthor(truncate(pdfSafe(info.author), 300));
    if (info.keywords !== undefined) doc.setKeywords(info.keywords.map((k) => truncate(pdfSafe(k), 200)));
    doc.setProducer('Connectable');
    doc.setCreator('Connectable');
    doc.setLanguage('en-GB');
    doc.setCreationDate(date);
    doc.setModificationDate(date);
    const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
    return new PdfLayout(doc, fonts);
  }

  /**
   * The width `text` occupies when drawn. Glyph by glyph: `widthOfTextAtSize` on a whole string
   * subtracts kerning that drawText never applies, which would let a line overrun its column.
   */
  width(text: string, face: Face, size: number): number {
    const font = this.fonts[face];
    let widths = this.glyphWidths.get(font);
    if (widths === undefined) this.glyphWidths.set(font, (widths = new Map()));
    let total = 0;
    for (const ch of text) {
      let w = widths.get(ch);
      if (w === undefined) widths.set(ch, (w = font.widthOfTextAtSize(ch, 1)));
      total += w;
    }
    return total * size;
  }

  /** `text` wrapped to `maxWidth`: paragraphs at line breaks, then words, and words longer than a line broken between characters. */
  wrap(text: string, maxWidth: number, style: Style = {}): Line[] {
    const face = style.face ?? 'regular';
    const size = style.size ?? 10;
    const colour = style.colour ?? colours.text;
    const out: Line[] = [];
    const space = this.width(' ', face, size);
    for (const paragraph of String(text).split(LINE_BREAKS)) {
      const words = pdfSafe(paragraph).split(' ').filter((w) => w !== '');
      let line = '';
      let lineWidth = 0;
      const push = (t: string): void => {
        out.push({ text: t, face, size, colour });
      };
      for (const word of words) {
        const w = this.width(word, face, size);
        if (line !== '' && lineWidth + space + w <= maxWidth) {
          line += ` ${word}`;
          lineWidth += space + w;
          continue;
        }
        if (line !== '') push(line);
        if (w <= maxWidth) {
          line = word;
          lineWidth = w;
          continue;
        }
        const pieces = this.breakWord(word, face, size, maxWidth);
        const last = pieces.pop() ?? '';
        pieces.forEach(push);
        line = last;
        lineWidth = this.width(last, face, size);
      }
      if (line !== '') push(line);
    }
    return out;
  }

  private breakWord(word: string, face: Face, size: number, maxWidth: number): string[] {
    const pieces: string[] = [];
    let piece = '';
    let w = 0;
    for (const ch of word) {
      const cw = this.width(ch, face, size);
      if (piece !== '' && w + cw > maxWidth) {
        pieces.push(piece);
        piece = '';
        w = 0;
      }
      piece += ch;
      w += cw;
    }
    if (piece !== '') pieces.push(piece);
    return pieces;
  }

  /** Room left on this page above the bottom margin. */
  get remaining(): number {
    return this.y - MARGIN;
  }

  newPage(): void {
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.y = PAGE_HEIGHT - MARGIN;
    const hook = this.onNewPage;
    if (hook !== null) {
      // A hook that itself fills the page must not recurse forever.
      this.onNewPage = null;
      hook();
      this.onNewPage = hook;
    }
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (height > this.remaining && this.y < PAGE_HEIGHT - MARGIN) this.newPage();
  }

  /** Vertical space; none at the top of a page, where it would only push content down. */
  space(height: number): void {
    if (this.y >= PAGE_HEIGHT - MARGIN) return;
    this.y -= Math.min(height, this.remaining);
  }

  private lineHeight(size: number): number {
    return size * LEADING;
  }

  private draw(line: Line, x: number): void {
    if (line.text === '') return;
    const width = this.width(line.text, line.face, line.size);
    const baseline = this.y - line.size;
    this.page.drawText(line.text, { x, y: baseline, size: line.size, font: this.fonts[line.face], color: line.colour });
    this.placed.push({ page: this.doc.getPageCount() - 1, text: line.text, x, y: baseline, width, size: line.size, colour: line.colour });
  }

  /** Wrapped text at `indent` from the left margin, breaking across pages as needed. */
  paragraph(text: string, style: Style & { indent?: number; after?: number } = {}): void {
    const indent = style.indent ?? 0;
    this.lines(this.wrap(text, this.contentWidth - indent, style), indent);
    this.space(style.after ?? 4);
  }

  lines(lines: Line[], indent = 0): void {
    for (const line of lines) {
      const h = this.lineHeight(line.size);
      this.ensure(h);
      this.draw(line, MARGIN + indent + (line.indent ?? 0));
      this.y -= h;
    }
  }

  /** A heading kept on the same page as at least the first lines that follow it. */
  heading(text: string, size = 13, style: Style = {}): void {
    const lines = this.wrap(text, this.contentWidth, { face: 'bold', size, ...style });
    const h = lines.reduce((sum, l) => sum + this.lineHeight(l.size), 0);
    this.space(size * 0.6);
    this.ensure(Math.min(h + 3 * this.lineHeight(10), PAGE_HEIGHT - 2 * MARGIN));
    this.lines(lines);
    this.space(size * 0.3);
  }

  /** A thin horizontal line across the content width. */
  rule(): void {
    this.ensure(6);
    this.page.drawLine({ start: { x: MARGIN, y: this.y - 2 }, end: { x: PAGE_WIDTH - MARGIN, y: this.y - 2 }, thickness: 0.5, color: colours.rule });
    this.space(6);
  }

  /**
   * A table row: each cell's lines side by side. A row that fits on a page is never split; one
   * taller than a page (hostile input) continues line by line on the next.
   */
  row(cells: Cell[], options: { gap?: number; rule?: boolean } = {}): void {
    const heights = (cell: Cell): number[] => cell.lines.map((l) => this.lineHeight(l.size));
    const lineHeights: number[] = [];
    for (const cell of cells) {
      heights(cell).forEach((h, i) => {
        lineHeights[i] = Math.max(lineHeights[i] ?? 0, h);
      });
    }
    const total = lineHeights.reduce((a, b) => a + b, 0);
    if (total <= PAGE_HEIGHT - 2 * MARGIN) this.ensure(total);
    lineHeights.forEach((h, i) => {
      this.ensure(h);
      for (const cell of cells) {
        const line = cell.lines[i];
        if (line !== undefined) this.draw(line, MARGIN + cell.x + (line.indent ?? 0));
      }
      this.y -= h;
    });
    if (options.rule === true) {
      this.page.drawLine({ start: { x: MARGIN, y: this.y - 1 }, end: { x: PAGE_WIDTH - MARGIN, y: this.y - 1 }, thickness: 0.3, color: colours.rule });
    }
    this.space(options.gap ?? 3);
  }

  /**
   * A label beside its wrapped value; the value may be several paragraphs (an address) or, with
   * `bullets`, a list whose items wrap under their own text rather than under the bullet.
   */
  field(label: string, value: string | string[], options: { bullets?: boolean; labelWidth?: number; size?: number } = {}): void {
    const labelWidth = options.labelWidth ?? 150;
    const size = options.size ?? 10;
    const values = Array.isArray(value) ? value : [value];
    const labelCell: Cell = { x: 0, lines: this.wrap(label, labelWidth - 10, { face: 'bold', size: 10, colour: colours.muted }) };
    if (options.bullets === true && values.length > 0) {
      this.row([labelCell, { x: labelWidth, lines: this.bulleted(values, this.contentWidth - labelWidth, { size }) }]);
      return;
    }
    const valueWidth = this.contentWidth - labelWidth;
    const lines = values.flatMap((v) => this.wrap(v, valueWidth, { size }));
    this.row([labelCell, { x: labelWidth, lines: lines.length > 0 ? lines : this.wrap('None', valueWidth, { size }) }]);
  }

  /** A bulleted list at `indent` from the left margin. */
  bullets(items: string[], indent = 0, style: Style = {}): void {
    this.row([{ x: indent, lines: this.bulleted(items, this.contentWidth - indent, style) }]);
  }

  /** Lines for a bulleted list `width` wide, each item wrapping under its own text rather than under the bullet. */
  bulleted(items: string[], width: number, style: Style = {}): Line[] {
    const bullet = '\u2022 ';
    const out: Line[] = [];
    for (const item of items) {
      const face = style.face ?? 'regular';
      const hang = this.width(bullet, face, style.size ?? 10);
      const lines = this.wrap(item, width - hang, style);
      if (lines.length === 0) lines.push(...this.wrap('(empty)', width - hang, style));
      lines.forEach((line, i) => {
        out.push(i === 0 ? { ...line, text: bullet + line.text } : { ...line, indent: hang });
      });
    }
    return out;
  }

  /** Draws "Page N of M" (and `label` on the left) on every page, then the finished file. */
  async finish(label: string): Promise<Uint8Array> {
    const pages = this.doc.getPages();
    const count = pages.length;
    pages.forEach((page, index) => {
      const pageText = `Page ${index + 1} of ${count}`;
      const pageWidth = this.width(pageText, 'regular', FOOTER_SIZE);
      const right = PAGE_WIDTH - MARGIN;
      this.footerText(page, index, pageText, right - pageWidth);
      const room = this.contentWidth - pageWidth - 16;
      this.footerText(page, index, this.fit(pdfSafe(label), room, 'regular', FOOTER_SIZE), MARGIN);
    });
    return this.doc.save({ useObjectStreams: true });
  }

  private footerText(page: PDFPage, index: number, text: string, x: number): void {
    page.drawText(text, { x, y: FOOTER_BASELINE, size: FOOTER_SIZE, font: this.fonts.regular, color: colours.muted });
    this.placed.push({ page: index, text, x, y: FOOTER_BASELINE, width: this.width(text, 'regular', FOOTER_SIZE), size: FOOTER_SIZE, colour: colours.muted });
  }

  /** `text` cut with "..." so that it fits in `maxWidth` on one line. */
  fit(text: string, maxWidth: number, face: Face, size: number): string {
    if (this.width(text, face, size) <= maxWidth) return text;
    const ellipsis = '...';
    const room = maxWidth - this.width(ellipsis, face, size);
    let out = '';
    let w = 0;
    for (const ch of text) {
      const cw = this.width(ch, face, size);
      if (w + cw > room) break;
      out += ch;
      w += cw;
    }
    return out + ellipsis;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
