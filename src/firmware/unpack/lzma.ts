// LZMA and LZMA2, decoded in pure TypeScript with the semantics of the LZMA SDK's LzmaDec (and
// liblzma's rules for LZMA2 chunks). No maintained JavaScript library decodes all three framings
// we meet in firmware (raw LZMA1 with out-of-band properties, the `.lzma` "LZMA-alone" files of
// legacy SquashFS and uImages, and LZMA2 inside `.xz`) within an output bound, and speed matters:
// a SquashFS image decodes thousands of blocks.
//
// Shape: the whole output is one flat Uint8Array and doubles as the dictionary, so a match is a
// copy inside one array and nothing is allocated per byte. The hot loop keeps the range coder,
// the state and the repeat distances in locals and spells out every bit decode (as LzmaDec does
// with macros): calls and property loads per bit would cost more than the arithmetic.
//
// References: the LZMA SDK (LzmaDec.c, Lzma2Dec.c), liblzma (lzma_decoder.c, lzma2_decoder.c),
// the .xz file format specification for LZMA2's chunk headers.
// Limitations: none known for decoding; encoding is never needed.

import { DecompressionError, outputExceeds } from './compression.ts';

/** What LZMA needs beside the compressed bytes when a container stores it without a header. */
export interface LzmaProperties {
  /** Literal context bits, 0–8. */
  lc: number;
  /** Literal position bits, 0–4. */
  lp: number;
  /** Position bits, 0–4. */
  pb: number;
  /** Dictionary size in bytes; matches may reach at most this far back. */
  dictSize: number;
}

// Layout of the probability array: one Uint16Array, each model at a fixed offset (as LzmaDec).
const STATES = 12;
const POS_STATES_MAX = 16;
const IS_MATCH = 0;
const IS_REP = IS_MATCH + STATES * POS_STATES_MAX;
const IS_REP_G0 = IS_REP + STATES;
const IS_REP_G1 = IS_REP_G0 + STATES;
const IS_REP_G2 = IS_REP_G1 + STATES;
const IS_REP0_LONG = IS_REP_G2 + STATES;
const POS_SLOT = IS_REP0_LONG + STATES * POS_STATES_MAX;
const SPEC_POS = POS_SLOT + 4 * 64;
const ALIGN = SPEC_POS + 128 - 14;
const LEN_CODER = ALIGN + 16;
const LEN_CODER_SIZE = 2 + 2 * POS_STATES_MAX * 8 + 256;
const REP_LEN_CODER = LEN_CODER + LEN_CODER_SIZE;
const LITERAL = REP_LEN_CODER + LEN_CODER_SIZE;
// Inside a length coder.
const LEN_CHOICE2 = 1;
const LEN_LOW = 2;
const LEN_MID = LEN_LOW + POS_STATES_MAX * 8;
const LEN_HIGH = LEN_MID + POS_STATES_MAX * 8;

// The range coder's range and code are unsigned 32-bit values kept in signed int32 variables, so
// the JIT never falls back to doubles: unsigned comparisons flip the sign bit of both sides first,
// and `range >>> 24 === 0` is "range < 2^24".
const SIGN = -0x80000000;
const PROB_INIT = 1024;
/** The distance the encoder writes as an end-of-payload marker. */
const END_MARKER = 0xffffffff;
/** LzmaDec's smallest dictionary: smaller declared sizes are treated as this. */
const DICT_MIN = 4096;
/** An LZMA-alone size field of all ones: the size is unknown and an end marker closes the data. */
const UNKNOWN_SIZE = -1;
const EMPTY = new Uint8Array(0);

/** Splits an LZMA properties byte (lc + lp·9 + pb·45) into its three parts; null when invalid. */
export function parseLzmaPropertiesByte(byte: number): { lc: number; lp: number; pb: number } | null {
  if (!(byte >= 0 && byte < 9 * 5 * 5)) return null;
  return { lc: byte % 9, lp: Math.floor(byte / 9) % 5, pb: Math.floor(byte / 45) };
}

/**
 * An LZMA decoder writing into one growing output buffer that is also its dictionary. Used
 * directly by the LZMA2 and .xz readers, which feed it chunk by chunk; the functions below wrap it
 * for the one-shot formats.
 */
export class LzmaDecoder {
  /** Everything decoded so far (across LZMA2 chunks and .xz blocks); valid up to outPos. */
  out: Uint8Array;
  outPos = 0;
  /** Where the current dictionary begins; positions (for pb/lp) and distances count from here. */
  dictStart = 0;

  private readonly format: string;
  private readonly maxOutput: number;
  private probs: Uint16Array = new Uint16Array(0);
  private lc = 0;
  private lp = 0;
  private pb = 0;
  /** Largest distance + 1 a match may use (dictionary size, at least 4 KiB, rounded up to 16). */
  private dictLimit = DICT_MIN;
  private input: Uint8Array = EMPTY;
  private inPos = 0;
  private inEnd = 0;
  private range = 0;
  private code = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Bytes of a match still to copy when the previous call stopped at its output limit. */
  private remainLen = 0;

  /**
   * @param format the name errors start with ('lzma', 'xz', …)
   * @param maxOutput the most bytes the whole output may hold
   * @param capacity the buffer to start with (grown by doubling, never past maxOutput)
   */
  constructor(format: string, maxOutput: number, capacity: number) {
    this.format = format;
    this.maxOutput = maxOutput;
    this.out = allocate(format, Math.max(0, Math.min(maxOutput, capacity)));
  }

  /** Sets lc/lp/pb; the probability array is sized for them (and reset by resetState). */
  setProperties(lc: number, lp: number, pb: number): void {
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    const size = LITERAL + (0x300 << (lc + lp));
    if (this.probs.length < size) this.probs = new Uint16Array(size);
  }

  setDictionarySize(dictSize: number): void {
    this.dictLimit = Math.max(DICT_MIN, Math.ceil(dictSize / 16) * 16);
  }

  /** Starts a new dictionary at the current output position (an LZMA2 dictionary reset, a new .xz block). */
  resetDictionary(): void {
    this.dictStart = this.outPos;
  }

  /** Resets the probabilities, the state and the repeat distances. */
  resetState(): void {
    this.probs.fill(PROB_INIT);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.remainLen = 0;
  }

  /** Starts the range decoder on input[start…end): five bytes, the first of which must be zero. */
  startRangeCoder(input: Uint8Array, start: number, end: number): void {
    if (end - start < 5) throw new DecompressionError(`${this.format}: compressed data cut short at byte ${end}`);
    if (input[start] !== 0) throw new DecompressionError(`${this.format}: corrupt range coder start at byte ${start}`);
    this.input = input;
    this.inEnd = end;
    this.code = (input[start + 1]! << 24) | (input[start + 2]! << 16) | (input[start + 3]! << 8) | input[start + 4]!;
    this.range = -1;
    this.inPos = start + 5;
  }

  /** Makes room for `more` bytes, or throws when the output would pass maxOutput. */
  reserve(more: number): void {
    const needed = this.outPos + more;
    if (needed > this.maxOutput) throw outputExceeds(this.format, this.maxOutput);
    if (needed > this.out.length) this.grow(needed);
  }

  /** Doubles the buffer (up to maxOutput); false when it is already as large as allowed. */
  growForMore(): boolean {
    if (this.out.length >= this.maxOutput) return false;
    this.grow(this.out.length + 1);
    return true;
  }

  private grow(needed: number): void {
    const size = Math.min(this.maxOutput, Math.max(needed, this.out.length * 2, 64 * 1024));
    const next = allocate(this.format, size);
    next.set(this.out.subarray(0, this.outPos));
    this.out = next;
  }

  /** Appends bytes stored without compression (an LZMA2 uncompressed chunk); they join the dictionary. */
  appendStored(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.out.set(bytes, this.outPos);
    this.outPos += bytes.length;
  }

  /** The output decoded so far, trimmed when the buffer grew well past it. */
  result(): Uint8Array {
    const { out, outPos } = this;
    if (out.length === outPos) return out;
    // Growth by doubling can leave up to half the buffer unused; a scan holds many outputs at
    // once, so a large slack is worth one copy to give back.
    if (out.length - outPos > 1024 * 1024 && out.length - outPos > outPos / 8) return out.slice(0, outPos);
    return out.subarray(0, outPos);
  }

  /**
   * Decodes until the output reaches outLimit (≤ out.length + 1) or an end marker is met, and
   * returns whether the marker was met. A limit one past the buffer probes whether the next
   * packet is the end marker: anything else writes past the end of the array (which a typed array
   * silently drops) and leaves outPos beyond the buffer, which the caller reports.
   *
   * The range coder's final normalisation is left to the caller (finishRangeCoder), once the data
   * is complete: code after this loop must stay minimal (see warmUp below).
   */
  decode(outLimit: number, allowEndMarker: boolean): boolean {
    const probs = this.probs;
    const input = this.input;
    const out = this.out;
    const inEnd = this.inEnd;
    const dictStart = this.dictStart;
    const dictLimit = this.dictLimit;
    const lc = this.lc;
    const literalShift = 8 - lc;
    const lpMask = (1 << this.lp) - 1;
    const pbMask = (1 << this.pb) - 1;
    let range = this.range;
    let code = this.code;
    let inPos = this.inPos;
    let outPos = this.outPos;
    let state = this.state;
    let rep0 = this.rep0;
    let rep1 = this.rep1;
    let rep2 = this.rep2;
    let rep3 = this.rep3;
    let len = this.remainLen;
    let sawEndMarker = false;
    let corrupt = '';
    let prob = 0;
    let bound = 0;
    let i = 0;

    // A match the previous call had to cut at its limit continues first.
    if (len > 0) {
      const n = Math.min(len, outLimit - outPos);
      for (let k = 0; k < n; k++) {
        out[outPos] = out[outPos - rep0 - 1]!;
        outPos++;
      }
      len -= n;
    }

    while (outPos < outLimit) {
      // Reading past the input yields zeros (below); the packet that needed them is discarded here.
      if (inPos > inEnd) break;
      const pos = outPos - dictStart;
      const posState = pos & pbMask;

      i = IS_MATCH + (state << 4) + posState;
      if (range >>> 24 === 0) {
        range <<= 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
        inPos++;
      }
      prob = probs[i]!;
      bound = Math.imul(range >>> 11, prob);
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        range = bound;
        probs[i] = prob + ((2048 - prob) >>> 5);

        // Literal: a byte coded with the context of the previous byte and the position.
        const previous = pos > 0 ? out[outPos - 1]! : 0;
        const base = LITERAL + 0x300 * (((pos & lpMask) << lc) + (previous >>> literalShift));
        let symbol = 1;
        if (state < 7) {
          do {
            i = base + symbol;
            if (range >>> 24 === 0) {
              range <<= 8;
              code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
              inPos++;
            }
            prob = probs[i]!;
            bound = Math.imul(range >>> 11, prob);
            if ((code ^ SIGN) < (bound ^ SIGN)) {
              range = bound;
              probs[i] = prob + ((2048 - prob) >>> 5);
              symbol <<= 1;
            } else {
              range = (range - bound) | 0;
              code = (code - bound) | 0;
              probs[i] = prob - (prob >>> 5);
              symbol = (symbol << 1) | 1;
            }
          } while (symbol < 0x100);
        } else {
          // After a match the byte at rep0 predicts this one, bit by bit, until they differ.
          let matchByte = out[outPos - rep0 - 1]!;
          let offset = 0x100;
          do {
            matchByte <<= 1;
            const matchBit = matchByte & offset;
            i = base + offset + matchBit + symbol;
            if (range >>> 24 === 0) {
              range <<= 8;
              code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
              inPos++;
            }
            prob = probs[i]!;
            bound = Math.imul(range >>> 11, prob);
            if ((code ^ SIGN) < (bound ^ SIGN)) {
              range = bound;
              probs[i] = prob + ((2048 - prob) >>> 5);
              symbol <<= 1;
              offset &= ~matchBit;
            } else {
              range = (range - bound) | 0;
              code = (code - bound) | 0;
              probs[i] = prob - (prob >>> 5);
              symbol = (symbol << 1) | 1;
              offset &= matchBit;
            }
          } while (symbol < 0x100);
        }
        out[outPos++] = symbol & 0xff;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[i] = prob - (prob >>> 5);

      // A match: new distance (is_rep 0) or one of the four last distances (is_rep 1).
      i = IS_REP + state;
      if (range >>> 24 === 0) {
        range <<= 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
        inPos++;
      }
      prob = probs[i]!;
      bound = Math.imul(range >>> 11, prob);
      let lenCoder: number;
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        range = bound;
        probs[i] = prob + ((2048 - prob) >>> 5);
        state = state < 7 ? 7 : 10;
        lenCoder = LEN_CODER;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[i] = prob - (prob >>> 5);
        if (pos === 0) {
          corrupt = 'a repeated match before any output';
          break;
        }

        i = IS_REP_G0 + state;
        if (range >>> 24 === 0) {
          range <<= 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
          inPos++;
        }
        prob = probs[i]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[i] = prob + ((2048 - prob) >>> 5);

          i = IS_REP0_LONG + (state << 4) + posState;
          if (range >>> 24 === 0) {
            range <<= 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
            inPos++;
          }
          prob = probs[i]!;
          bound = Math.imul(range >>> 11, prob);
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[i] = prob + ((2048 - prob) >>> 5);
            // Short rep: one byte from rep0.
            state = state < 7 ? 9 : 11;
            out[outPos] = out[outPos - rep0 - 1]!;
            outPos++;
            continue;
          }
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[i] = prob - (prob >>> 5);
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[i] = prob - (prob >>> 5);

          i = IS_REP_G1 + state;
          if (range >>> 24 === 0) {
            range <<= 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
            inPos++;
          }
          prob = probs[i]!;
          bound = Math.imul(range >>> 11, prob);
          let distance: number;
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[i] = prob + ((2048 - prob) >>> 5);
            distance = rep1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[i] = prob - (prob >>> 5);

            i = IS_REP_G2 + state;
            if (range >>> 24 === 0) {
              range <<= 8;
              code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
              inPos++;
            }
            prob = probs[i]!;
            bound = Math.imul(range >>> 11, prob);
            if ((code ^ SIGN) < (bound ^ SIGN)) {
              range = bound;
              probs[i] = prob + ((2048 - prob) >>> 5);
              distance = rep2;
            } else {
              range = (range - bound) | 0;
              code = (code - bound) | 0;
              probs[i] = prob - (prob >>> 5);
              distance = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = distance;
        }
        state = state < 7 ? 8 : 11;
        lenCoder = REP_LEN_CODER;
      }

      // Length: choice bits pick the low (2–9), mid (10–17) or high (18–273) tree.
      let treeBase: number;
      let treeLimit: number;
      i = lenCoder;
      if (range >>> 24 === 0) {
        range <<= 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
        inPos++;
      }
      prob = probs[i]!;
      bound = Math.imul(range >>> 11, prob);
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        range = bound;
        probs[i] = prob + ((2048 - prob) >>> 5);
        treeBase = lenCoder + LEN_LOW + (posState << 3);
        treeLimit = 8;
        len = 0;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[i] = prob - (prob >>> 5);
        i = lenCoder + LEN_CHOICE2;
        if (range >>> 24 === 0) {
          range <<= 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
          inPos++;
        }
        prob = probs[i]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[i] = prob + ((2048 - prob) >>> 5);
          treeBase = lenCoder + LEN_MID + (posState << 3);
          treeLimit = 8;
          len = 8;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[i] = prob - (prob >>> 5);
          treeBase = lenCoder + LEN_HIGH;
          treeLimit = 256;
          len = 16;
        }
      }
      let symbol = 1;
      do {
        i = treeBase + symbol;
        if (range >>> 24 === 0) {
          range <<= 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
          inPos++;
        }
        prob = probs[i]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[i] = prob + ((2048 - prob) >>> 5);
          symbol <<= 1;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[i] = prob - (prob >>> 5);
          symbol = (symbol << 1) | 1;
        }
      } while (symbol < treeLimit);
      len += symbol - treeLimit;

      if (lenCoder === LEN_CODER) {
        // A new distance: a 6-bit slot, then reverse-coded or direct bits, then 4 aligned bits.
        const slotBase = POS_SLOT + ((len < 3 ? len : 3) << 6);
        symbol = 1;
        do {
          i = slotBase + symbol;
          if (range >>> 24 === 0) {
            range <<= 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
            inPos++;
          }
          prob = probs[i]!;
          bound = Math.imul(range >>> 11, prob);
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[i] = prob + ((2048 - prob) >>> 5);
            symbol <<= 1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[i] = prob - (prob >>> 5);
            symbol = (symbol << 1) | 1;
          }
        } while (symbol < 64);
        const slot = symbol - 64;
        let distance: number;
        if (slot < 4) {
          distance = slot;
        } else {
          const directBits = (slot >>> 1) - 1;
          distance = (2 | (slot & 1)) << directBits;
          if (slot < 14) {
            const specBase = SPEC_POS + distance - slot - 1;
            let m = 1;
            for (let bit = 0; bit < directBits; bit++) {
              i = specBase + m;
              if (range >>> 24 === 0) {
                range <<= 8;
                code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
                inPos++;
              }
              prob = probs[i]!;
              bound = Math.imul(range >>> 11, prob);
              if ((code ^ SIGN) < (bound ^ SIGN)) {
                range = bound;
                probs[i] = prob + ((2048 - prob) >>> 5);
                m <<= 1;
              } else {
                range = (range - bound) | 0;
                code = (code - bound) | 0;
                probs[i] = prob - (prob >>> 5);
                m = (m << 1) | 1;
                distance |= 1 << bit;
              }
            }
          } else {
            let direct = 0;
            for (let k = directBits - 4; k > 0; k--) {
              if (range >>> 24 === 0) {
                range <<= 8;
                code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
                inPos++;
              }
              range >>>= 1;
              if ((code ^ SIGN) >= (range ^ SIGN)) {
                code = (code - range) | 0;
                direct = (direct << 1) | 1;
              } else {
                direct <<= 1;
              }
            }
            distance = (distance >>> 0) + direct * 16;
            let m = 1;
            for (let bit = 0; bit < 4; bit++) {
              i = ALIGN + m;
              if (range >>> 24 === 0) {
                range <<= 8;
                code = (code << 8) | (inPos < inEnd ? input[inPos]! : 0);
                inPos++;
              }
              prob = probs[i]!;
              bound = Math.imul(range >>> 11, prob);
              if ((code ^ SIGN) < (bound ^ SIGN)) {
                range = bound;
                probs[i] = prob + ((2048 - prob) >>> 5);
                m <<= 1;
              } else {
                range = (range - bound) | 0;
                code = (code - bound) | 0;
                probs[i] = prob - (prob >>> 5);
                m = (m << 1) | 1;
                distance += 1 << bit;
              }
            }
            if (distance === END_MARKER) {
              sawEndMarker = true;
              len = 0;
              break;
            }
          }
        }
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        rep0 = distance;
      }

      // Copy len + 2 bytes from rep0 back; what passes the limit waits for the next call.
      if (rep0 >= pos || rep0 >= dictLimit) {
        corrupt = `a match distance of ${rep0 + 1} bytes reaches before the start of the dictionary`;
        break;
      }
      len += 2;
      const n = Math.min(len, outLimit - outPos);
      let from = outPos - rep0 - 1;
      const end = outPos + n;
      while (outPos < end) out[outPos++] = out[from++]!;
      len -= n;
    }

    this.range = range;
    this.code = code;
    this.inPos = inPos;
    this.outPos = outPos;
    this.state = state;
    this.rep0 = rep0;
    this.rep1 = rep1;
    this.rep2 = rep2;
    this.rep3 = rep3;
    this.remainLen = len;
    if (inPos > inEnd) throw new DecompressionError(`${this.format}: compressed data cut short at byte ${inEnd}`);
    if (corrupt !== '') throw new DecompressionError(`${this.format}: corrupt data (${corrupt}) before byte ${inPos}`);
    if (sawEndMarker && !allowEndMarker) throw new DecompressionError(`${this.format}: unexpected end marker before byte ${inPos}`);
    return sawEndMarker;
  }

  /**
   * The range decoder's last normalisation (LzmaDec's final NORMALIZE): the encoder's flush
   * makes the data's last byte count only here. Call once the data is complete; afterwards a
   * cleanly finished range coder has a code of zero.
   */
  private finishRangeCoder(): void {
    if (this.range >>> 24 === 0) {
      this.range <<= 8;
      this.code = (this.code << 8) | (this.inPos < this.inEnd ? this.input[this.inPos]! : 0);
      this.inPos++;
    }
    if (this.inPos > this.inEnd) throw new DecompressionError(`${this.format}: compressed data cut short at byte ${this.inEnd}`);
  }

  /** After an end marker: the range coder must be finished, and nothing may follow in the chunk. */
  private finishAfterEndMarker(): void {
    this.finishRangeCoder();
    if (this.code !== 0) throw new DecompressionError(`${this.format}: corrupt data after the end marker before byte ${this.inPos}`);
  }

  /**
   * Decodes one LZMA2 chunk of exactly `unpacked` bytes from input[start…end), which it must use
   * up entirely (liblzma's rule: a chunk has no end marker and no slack, and no match spans chunks).
   */
  decodeChunk(input: Uint8Array, start: number, end: number, unpacked: number): void {
    this.reserve(unpacked);
    this.startRangeCoder(input, start, end);
    const target = this.outPos + unpacked;
    this.decode(target, false);
    this.finishRangeCoder();
    if (this.outPos !== target || this.remainLen !== 0 || this.inPos !== end || this.code !== 0) {
      throw new DecompressionError(`${this.format}: corrupt LZMA2 chunk at byte ${start} (its sizes do not match its data)`);
    }
  }

  /**
   * Decodes an LZMA1 stream from input[start…end): exactly `size` bytes (an end marker after them
   * is allowed), or, with size UNKNOWN_SIZE, up to an end marker. Returns where the data ended.
   */
  decodeStream(input: Uint8Array, start: number, end: number, size: number): number {
    this.startRangeCoder(input, start, end);
    if (size !== UNKNOWN_SIZE) {
      this.reserve(size);
      const target = this.outPos + size;
      if (this.decode(target, true)) {
        if (this.outPos !== target) throw new DecompressionError(`${this.format}: the data ends after ${this.outPos} of ${size} bytes`);
        this.finishAfterEndMarker();
        return this.inPos;
      }
      if (this.remainLen === 0) {
        this.finishRangeCoder();
        if (this.code === 0) return this.inPos;
      }
      // Not finished cleanly: the only thing allowed to follow the declared size is an end marker.
      if (!this.probeEndMarker(target)) throw new DecompressionError(`${this.format}: the data goes on past its declared size of ${size} bytes`);
      this.finishAfterEndMarker();
      return this.inPos;
    }
    for (;;) {
      if (this.decode(this.out.length, true)) break;
      if (this.growForMore()) continue;
      if (!this.probeEndMarker(this.out.length)) throw outputExceeds(this.format, this.maxOutput);
      break;
    }
    this.finishAfterEndMarker();
    return this.inPos;
  }

  /** Whether the next packet is the end marker, without writing anything at or past `limit`. */
  private probeEndMarker(limit: number): boolean {
    if (this.remainLen > 0) return false;
    const saved = this.out;
    // With the buffer ending exactly at limit, anything but the marker writes past its end.
    if (saved.length !== limit) this.out = saved.subarray(0, limit);
    try {
      return this.decode(limit + 1, true) && this.outPos === limit;
    } finally {
      this.out = saved;
    }
  }
}

function allocate(format: string, size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new DecompressionError(`${format}: cannot allocate ${size} bytes for the output`);
  }
}

/** The initial buffer for output of unknown size: enough for typical ratios, never past the bound. */
function initialCapacity(inputLength: number, maxOutput: number, expectedSize: number | undefined): number {
  if (expectedSize !== undefined) return Math.min(maxOutput, expectedSize);
  return Math.min(maxOutput, Math.max(64 * 1024, inputLength * 4));
}

function validateProperties(format: string, props: LzmaProperties): void {
  const { lc, lp, pb, dictSize } = props;
  const valid = (value: number, max: number): boolean => Number.isInteger(value) && value >= 0 && value <= max;
  if (!valid(lc, 8) || !valid(lp, 4) || !valid(pb, 4) || !(Number.isInteger(dictSize) && dictSize >= 0 && dictSize <= 0xffffffff)) {
    throw new DecompressionError(`${format}: invalid properties lc=${lc} lp=${lp} pb=${pb} dictSize=${dictSize}`);
  }
}

/**
 * Decodes raw LZMA1 data (no header) with properties given by its container. With `size` the
 * output is exactly that long (an end marker after it is allowed); without, the data must end
 * with an end marker.
 */
export function decodeLzmaRaw(input: Uint8Array, props: LzmaProperties, maxOutput: number, size?: number): Uint8Array {
  validateProperties('lzma', props);
  if (size !== undefined && size > maxOutput) throw outputExceeds('lzma', maxOutput);
  const decoder = new LzmaDecoder('lzma', maxOutput, initialCapacity(input.length, maxOutput, size));
  decoder.setProperties(props.lc, props.lp, props.pb);
  decoder.setDictionarySize(props.dictSize);
  decoder.resetState();
  decoder.decodeStream(input, 0, input.length, size ?? UNKNOWN_SIZE);
  return decoder.result();
}

/** The header of an `.lzma` (LZMA-alone) file. */
export interface LzmaAloneHeader extends LzmaProperties {
  /** Uncompressed size, or undefined when the header says unknown (all ones: an end marker closes the data). */
  size: number | undefined;
}

export const LZMA_ALONE_HEADER_SIZE = 13;

/** Reads the 13-byte LZMA-alone header; null when it cannot be one. */
export function parseLzmaAloneHeader(bytes: Uint8Array, offset: number): LzmaAloneHeader | null {
  if (offset < 0 || offset + LZMA_ALONE_HEADER_SIZE > bytes.length) return null;
  const props = parseLzmaPropertiesByte(bytes[offset]!);
  if (props === null) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, LZMA_ALONE_HEADER_SIZE);
  const dictSize = view.getUint32(1, true);
  const low = view.getUint32(5, true);
  const high = view.getUint32(9, true);
  let size: number | undefined;
  if (low === 0xffffffff && high === 0xffffffff) size = undefined;
  else if (high >= 0x200000) return null; // beyond 2^53: no real file is that large
  else size = high * 0x100000000 + low;
  return { ...props, dictSize, size };
}

/**
 * Decodes an `.lzma` (LZMA-alone) file: a 13-byte header (properties byte, dictionary size LE32,
 * uncompressed size LE64 or all ones), then LZMA1 data. Bytes after the data are ignored.
 */
export function decodeLzmaAlone(input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
  if (input.length < LZMA_ALONE_HEADER_SIZE) throw new DecompressionError(`lzma: the ${LZMA_ALONE_HEADER_SIZE}-byte header is cut short`);
  const header = parseLzmaAloneHeader(input, 0);
  if (header === null) throw new DecompressionError(`lzma: invalid header (properties byte ${input[0]} or an impossible size)`);
  if (header.size !== undefined && header.size > maxOutput) throw outputExceeds('lzma', maxOutput);
  const capacity = initialCapacity(input.length, maxOutput, header.size ?? expectedSize);
  const decoder = new LzmaDecoder('lzma', maxOutput, capacity);
  decoder.setProperties(header.lc, header.lp, header.pb);
  decoder.setDictionarySize(header.dictSize);
  decoder.resetState();
  decoder.decodeStream(input, LZMA_ALONE_HEADER_SIZE, input.length, header.size ?? UNKNOWN_SIZE);
  return decoder.result();
}

/**
 * Decodes an LZMA2 stream (chunks up to the 0x00 end byte) starting at input[offset] into the
 * decoder's output, and returns the offset just past the end byte. The caller has set the
 * dictionary size; a fresh stream must start with a dictionary reset.
 *
 * Control bytes: 0x00 end; 0x01 stored chunk with dictionary reset; 0x02 stored chunk;
 * 0x80–0xFF LZMA chunk whose bits 5–6 say what to reset (0 nothing, 1 state, 2 state and new
 * properties, 3 everything and the dictionary) and bits 0–4 are the top of the unpacked size.
 */
export function decodeLzma2Into(decoder: LzmaDecoder, input: Uint8Array, offset: number, end: number, format: string): number {
  let at = offset;
  let needDictionaryReset = true;
  let needProperties = true;
  const cutShort = (): DecompressionError => new DecompressionError(`${format}: LZMA2 data cut short at byte ${end}`);
  for (;;) {
    if (at >= end) throw cutShort();
    const control = input[at]!;
    if (control === 0x00) return at + 1;
    if (control >= 0xe0 || control === 0x01) {
      // A dictionary reset: the next LZMA chunk must bring its own properties.
      needProperties = true;
      needDictionaryReset = false;
      decoder.resetDictionary();
    } else if (needDictionaryReset) {
      throw new DecompressionError(`${format}: the LZMA2 data at byte ${at} does not start with a dictionary reset`);
    }
    if (control >= 0x80) {
      if (at + 5 > end) throw cutShort();
      const unpacked = (control & 0x1f) * 0x10000 + (input[at + 1]! << 8) + input[at + 2]! + 1;
      const packed = (input[at + 3]! << 8) + input[at + 4]! + 1;
      at += 5;
      if (control >= 0xc0) {
        if (at >= end) throw cutShort();
        const props = parseLzmaPropertiesByte(input[at]!);
        if (props === null || props.lc + props.lp > 4) {
          throw new DecompressionError(`${format}: invalid LZMA2 properties byte ${input[at]} at byte ${at}`);
        }
        decoder.setProperties(props.lc, props.lp, props.pb);
        decoder.resetState();
        needProperties = false;
        at++;
      } else if (needProperties) {
        throw new DecompressionError(`${format}: the LZMA2 chunk at byte ${at - 5} lacks the properties a dictionary reset requires`);
      } else if (control >= 0xa0) {
        decoder.resetState();
      }
      if (at + packed > end) throw cutShort();
      decoder.decodeChunk(input, at, at + packed, unpacked);
      at += packed;
    } else {
      if (control > 0x02) throw new DecompressionError(`${format}: invalid LZMA2 control byte 0x${control.toString(16)} at byte ${at}`);
      if (at + 3 > end) throw cutShort();
      const size = (input[at + 1]! << 8) + input[at + 2]! + 1;
      at += 3;
      if (at + size > end) throw cutShort();
      decoder.appendStored(input.subarray(at, at + size));
      at += size;
    }
  }
}

/** LZMA2's one-byte dictionary size (as .xz stores it): 2^(n/2+12) or 3·2^((n-1)/2+11), 40 = 4 GiB − 1. */
export function lzma2DictionarySize(byte: number): number | null {
  if (byte > 40) return null;
  if (byte === 40) return 0xffffffff;
  return (2 | (byte & 1)) * 2 ** (Math.floor(byte / 2) + 11);
}

/** Decodes a bare LZMA2 stream (as some containers store it) whose dictionary size is known. */
export function decodeLzma2(input: Uint8Array, dictSize: number, maxOutput: number, expectedSize?: number): Uint8Array {
  const decoder = new LzmaDecoder('lzma2', maxOutput, initialCapacity(input.length, maxOutput, expectedSize));
  decoder.setDictionarySize(dictSize);
  decodeLzma2Into(decoder, input, 0, input.length, 'lzma2');
  return decoder.result();
}

/**
 * "hello hello hello, lzma warm-up: abcabcabcabc 0123456789 hello hello\n" as `xz --format=lzma -9`
 * writes it: literals, matches, repeats and an end marker, in 66 bytes.
 */
const WARM_UP_STREAM = Uint8Array.from(
  '5d00000004ffffffffffffffff00341949ee8de94f7e47799a1912e026ba0f90adfa5ff7a7ff477b291e24fe6ca1b3b4812b47867dd28e1a9237a0c5fffffde7a000'.match(/../g) ?? [],
  (pair) => parseInt(pair, 16),
);

/**
 * Runs every exit path of decode() once before real data arrives. V8 compiles decode() while its
 * first long call is still inside the loop (on-stack replacement), before the code after the
 * loop has ever run; that code then has no type feedback, and the compiled function bailed out
 * at its exit on every later call (measured: one deoptimisation per LZMA2 chunk, about 15 %
 * slower overall). Decoding a tiny stream one byte per call when the module loads gives every
 * path feedback first.
 */
function warmUp(): void {
  const decoder = new LzmaDecoder('lzma', 256, 256);
  decoder.setProperties(3, 0, 2);
  decoder.setDictionarySize(1 << 20);
  decoder.resetState();
  decoder.startRangeCoder(WARM_UP_STREAM, LZMA_ALONE_HEADER_SIZE, WARM_UP_STREAM.length);
  for (let calls = 0; calls < 256 && !decoder.decode(decoder.outPos + 1, true); calls++);
}
warmUp();
