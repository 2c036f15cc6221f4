import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from './crc32.ts';

test('the check value of CRC-32/ISO-HDLC: "123456789" gives 0xCBF43926', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('agrees with zlib for any bytes, at any length and alignment', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (bytes, skip) => {
      const view = bytes.subarray(Math.min(skip, bytes.length));
      assert.equal(crc32(view), zlib.crc32(view));
    }),
    { numRuns: 500 },
  );
});

test('continues over data that arrives in pieces', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (first, second) => {
      const whole = new Uint8Array([...first, ...second]);
      assert.equal(crc32(second, crc32(first)), crc32(whole));
    }),
  );
});
