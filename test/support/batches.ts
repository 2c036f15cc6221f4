// Builders of manufacturing batches, each a known failure mode (or none), for the audit's tests.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { passwordMaker, type GenerationMethod } from '../../src/passwords/index.ts';

export interface Unit {
  serial: string;
  mac: string;
  model: string;
  password: string;
}

const MODEL = 'HC-220';

/** Serials and MACs the way a production line assigns them: consecutive. */
export function units(n: number, password: (serial: string, mac: string, i: number) => string, start = 4711): Unit[] {
  const baseMac = 0x3c5a_b400_0000;
  return Array.from({ length: n }, (_, i) => {
    const serial = `HC22${String(start + i).padStart(8, '0')}`;
    const macHex = (baseMac + (start + i) * 2).toString(16).padStart(12, '0');
    const mac = macHex.match(/../g)?.join(':').toUpperCase() ?? '';
    return { serial, mac, model: MODEL, password: password(serial, mac, i) };
  });
}

export function toCsv(batch: readonly Unit[]): string {
  return `serial,mac,model,password\n${batch.map((u) => `${u.serial},${u.mac},${u.model},${u.password}`).join('\n')}\n`;
}

export function generated(n: number, method: GenerationMethod): Unit[] {
  const make = passwordMaker(method);
  return units(n, (serial, mac) => make({ serial, mac }));
}

const macDigits = (mac: string): string => mac.replace(/:/g, '').toLowerCase();
const md5 = (s: string): string => crypto.createHash('md5').update(s).digest('hex');
const sha1 = (s: string): string => crypto.createHash('sha1').update(s).digest('hex');
const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
const crc32 = (s: string): string => zlib.crc32(s).toString(16).padStart(8, '0');

/** Each failure mode, named, with the condition the audit must fail. */
export const badBatches: { name: string; condition: string; batch: () => Unit[] }[] = [
  { name: 'one shared password', condition: 'psti.s1.1.2a', batch: () => units(50, () => 'Xk9mQ2tPw7zR') },
  { name: 'a few duplicates among random ones', condition: 'psti.s1.1.2a', batch: () => units(200, (_s, _m, i) => (i % 50 === 0 ? 'Dup7Dup7Dup7' : crypto.randomBytes(9).toString('base64url'))) },
  { name: 'a decimal counter with a fixed prefix', condition: 'psti.s1.1.3a', batch: () => units(100, (_s, _m, i) => `Admin-${String(100234 + i)}`) },
  { name: 'a hexadecimal counter', condition: 'psti.s1.1.3a', batch: () => units(100, (_s, _m, i) => (0x7f3a_0000 + i * 3).toString(16)) },
  { name: 'a base-36 counter', condition: 'psti.s1.1.3a', batch: () => units(100, (_s, _m, i) => (36 ** 7 + 5 + i).toString(36)) },
  {
    name: 'passwords that sort with the serials',
    condition: 'psti.s1.1.3a',
    batch: () => {
      const words = Array.from({ length: 60 }, () => crypto.randomBytes(6).toString('hex')).sort();
      return units(60, (_s, _m, i) => `${words[i]}Q`);
    },
  },
  { name: 'the last 8 hex digits of the MAC', condition: 'psti.s1.1.3c', batch: () => units(100, (_s, mac) => macDigits(mac).slice(-8)) },
  { name: 'the MAC digits in upper case', condition: 'psti.s1.1.3c', batch: () => units(100, (_s, mac) => macDigits(mac).toUpperCase().slice(-10)) },
  { name: 'the last 6 hex digits of MAC + 1', condition: 'psti.s1.1.3c', batch: () => units(100, (_s, mac) => ((Number.parseInt(macDigits(mac), 16) + 1) % 16 ** 6).toString(16).padStart(6, '0')) },
  { name: 'the serial reversed', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => [...serial].reverse().join('')) },
  { name: 'the serial in hexadecimal', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => Number(serial.slice(4)).toString(16).padStart(8, '0')) },
  { name: 'model name plus MAC suffix', condition: 'psti.s1.1.3c', batch: () => units(100, (_s, mac) => `${MODEL}-${macDigits(mac).slice(-6)}`) },
  { name: 'MD5 of the serial, first 8 hex digits', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => md5(serial).slice(0, 8)) },
  { name: 'SHA-1 of the serial, first 10 hex digits (Thomson style)', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => sha1(serial).slice(0, 10).toUpperCase()) },
  { name: 'SHA-256 of the MAC, first 12 hex digits', condition: 'psti.s1.1.3c', batch: () => units(100, (_s, mac) => sha256(mac).slice(0, 12)) },
  { name: 'SHA-256 of model + serial, first 12 hex digits', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => sha256(MODEL + serial).slice(0, 12)) },
  { name: 'the serial encoded in Base64', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => Buffer.from(serial).toString('base64').slice(0, 12)) },
  { name: 'CRC32 of the serial', condition: 'psti.s1.1.3c', batch: () => units(100, (serial) => crc32(serial)) },
  { name: 'the model name with a suffix', condition: 'psti.s1.1.3b', batch: () => units(100, () => `${MODEL.toLowerCase()}${crypto.randomInt(10, 99)}`) },
  {
    name: 'dictionary words',
    condition: 'psti.s1.1.3d',
    batch: () => {
      const words = ['password123', 'sunshine', 'iloveyou', 'football', 'princess', 'dragon', 'qwertyuiop', 'welcome1', 'monkey', 'letmein'];
      return units(100, (_s, _m, i) => `${words[i % words.length]}${i}`);
    },
  },
  { name: 'four-digit PINs', condition: 'psti.s1.1.3d', batch: () => units(100, () => String(crypto.randomInt(0, 10000)).padStart(4, '0')) },
  { name: 'Mirai default credentials', condition: 'psti.s1.1.3d', batch: () => units(100, (_s, _m, i) => ['xc3511', 'vizxv', '7ujMko0admin', 'juantech', 'xmhdipc'][i % 5] ?? 'admin') },
];
