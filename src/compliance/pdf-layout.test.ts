import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PDFDocument, StandardFonts, type PDFFont } from 'pdf-lib';
import { PdfLayout, dateInWords, documentDate, pdfSafe, timestampInWords } from './pdf-layout.ts';

async function helvetica(): Promise<PDFFont> {
  const doc = await PDFDocument.create();
  return doc.embedFont(StandardFonts.Helvetica);
}

/** pdf-lib's own WinAnsi encoder is the judge of what Helvetica can show. */
function encodable(font: PDFFont, text: string): boolean {
  try {
    font.encodeText(text);
    font.widthOfTextAtSize(text, 10);
    return true;
  } catch {
    return false;
  }
}

describe('pdfSafe: any text becomes text Helvetica can show, without throwing', () => {
  test('ASCII, Latin-1 and the WinAnsi punctuation pass through unchanged', () => {
    const text = 'Caméra “Vigie” 360 – rev. C — 5 € … • ‘quoted’ Œuvre ™ ½ © naïve Ærø';
    assert.equal(pdfSafe(text), text);
  });

  test('look-alike dashes, quotes, spaces and bullets become their WinAnsi equivalents', () => {
    assert.equal(pdfSafe('a\u2010b\u2011c\u2212d'), 'a-b-c-d');
    assert.equal(pdfSafe('\u2012 \u2015'), '\u2013 \u2014');
    assert.equal(pdfSafe('10\u00a0Downing\u2009Street\u202fLondon'), '10 Downing Street London');
    assert.equal(pdfSafe('5\u2032 11\u2033'), `5' 11"`);
    assert.equal(pdfSafe('\u201bsingle\u201f'), '\u2018single\u201c');
    assert.equal(pdfSafe('\u25e6 one \u2023 two \u25cf three'), '\u2022 one \u2022 two \u2022 three');
    assert.equal(pdfSafe('x \u2264 y \u2192 z'), 'x <= y -> z');
  });

  test('invisible characters vanish and tabs and line breaks become spaces', () => {
    assert.equal(pdfSafe('co\u00adoperate\u200b\ufeff'), 'cooperate');
    assert.equal(pdfSafe('a\tb\nc\r\nd\u2028e'), 'a b c d e');
  });

  test('letters outside Latin-1 keep their base letter; decomposed accents are composed first', () => {
    assert.equal(pdfSafe('Erdős Şahin Dvořák'), 'Erdos Sahin Dvorák');
    assert.equal(pdfSafe('\ufb01rmware'), 'firmware');
    assert.equal(pdfSafe('Came\u0301ra'), 'Caméra');
  });

  test('emoji, other scripts and control characters become "?", one per visible character', () => {
    assert.equal(pdfSafe('Cam 📷'), 'Cam ?');
    assert.equal(pdfSafe('🇬🇧 👨‍👩‍👧 👍🏽'), '? ? ?');
    assert.equal(pdfSafe('摄像头'), '???');
    assert.equal(pdfSafe('\u0000\u0007\u001b[31m\u007f\u0090'), '???[31m??');
    assert.equal(pdfSafe('lone \ud800 surrogate'), 'lone ? surrogate');
    assert.equal(pdfSafe('Łódź'), '?ódz');
  });

  test('every BMP character comes out as text the encoder accepts, and nothing encodable is replaced', async () => {
    const font = await helvetica();
    for (let cp = 0; cp <= 0xffff; cp++) {
      const ch = String.fromCharCode(cp);
      const safe = pdfSafe(ch);
      assert.ok(encodable(font, safe), `U+${cp.toString(16)} → ${JSON.stringify(safe)} cannot be encoded`);
      // The no-break space and soft hyphen are encodable but deliberately normalised.
      if (encodable(font, ch) && cp !== 0xa0 && cp !== 0xad) assert.equal(safe, ch, `U+${cp.toString(16)} was needlessly replaced`);
    }
  });

  test('for any string at all, the result can be encoded', async () => {
    const font = await helvetica();
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 })), (text) => {
        assert.ok(encodable(font, pdfSafe(text)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('dates are written in words and in ISO form', () => {
  test('a day', () => {
    assert.equal(dateInWords('2031-03-31'), '31 March 2031 (2031-03-31)');
    assert.equal(dateInWords('2026-01-05'), '5 January 2026 (2026-01-05)');
  });

  test('a timestamp gives its UTC day, and with timestampInWords its UTC time', () => {
    assert.equal(dateInWords('2026-01-12T23:30:00-02:00'), '13 January 2026 (2026-01-13)');
    assert.equal(timestampInWords('2026-11-20T14:03:09Z'), '20 November 2026 (2026-11-20) 14:03 UTC');
  });

  test('what is not a real date is printed as given rather than guessed at', () => {
    assert.equal(dateInWords('2026-02-30'), '2026-02-30');
    assert.equal(dateInWords('end of 2030'), 'end of 2030');
  });

  test('the document date must be a timestamp: the clock is never a fallback', () => {
    assert.equal(documentDate('2026-11-21T10:15:00Z').toISOString(), '2026-11-21T10:15:00.000Z');
    assert.throws(() => documentDate('soon'), RangeError);
    // Without a zone it would mean a different instant on every machine.
    assert.throws(() => documentDate('2026-11-21T10:15:00'), RangeError);
  });
});

describe('wrapping', () => {
  const info = { title: 't', subject: 's', generatedAt: '2026-11-21T10:15:00Z' };

  test('lines fit the width as drawn, keep every word in order, and break only over-long words', async () => {
    const layout = await PdfLayout.create(info);
    const words = 'AVATAR WAVE To Ty Yo ' + 'lorem ipsum dolor sit amet '.repeat(20) + 'x'.repeat(400) + ' end';
    const lines = layout.wrap(words, 200);
    for (const line of lines) assert.ok(layout.width(line.text, 'regular', 10) <= 200, line.text);
    assert.equal(lines.map((l) => l.text).join(' ').replace(/x (?=x)/g, 'x'), words.trim().replace(/ +/g, ' '));
    assert.ok(lines.filter((l) => /^x+$/.test(l.text)).length >= 2);
  });

  test('widths are the glyphs as drawn, without the kerning drawText does not apply', async () => {
    const layout = await PdfLayout.create(info);
    const font = await helvetica();
    assert.equal(layout.width('AV', 'regular', 10), font.widthOfTextAtSize('A', 10) + font.widthOfTextAtSize('V', 10));
    assert.ok(layout.width('AV', 'regular', 10) > font.widthOfTextAtSize('AV', 10));
  });

  test('line breaks start new lines and blank lines are dropped', async () => {
    const layout = await PdfLayout.create(info);
    assert.deepEqual(
      layout.wrap('Unit 4\r\n\nLong Lane\rReading', 300).map((l) => l.text),
      ['Unit 4', 'Long Lane', 'Reading'],
    );
  });
});
