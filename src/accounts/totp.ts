import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { hashToken } from './secrets.ts';

// RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s.
const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label = 'Connectable'): TOTP {
  return new TOTP({ issuer: 'Connectable', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

export function totpUri(secret: string, email: string): string {
  return totpFor(secret, email).toString();
}

/**
 * Checks a code within one step of clock drift and returns the time step it matched, which the
 * caller stores so the same code cannot be used twice (RFC 6238 section 5.2).
 */
export function matchTotp(secret: string, code: string, lastStep: number | null, now = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secret).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  if (lastStep !== null && step <= lastStep) return undefined;
  return step;
}

export function totpCode(secret: string, now = Date.now()): string {
  return totpFor(secret).generate({ timestamp: now });
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-time codes of 50 bits each, like "k7mq-2xrt-pw9d". */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[crypto.randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${normaliseRecoveryCode(code)}`);
}
