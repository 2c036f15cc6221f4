import path from 'node:path';
import { z } from 'zod';
import { ConnectableError } from './errors.ts';

// The whole environment is read here once, so a typo in a variable fails at start-up with the
// variable's name rather than as odd behaviour later.
const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SECURITY_CONTACT: z
    .string()
    .regex(/^(mailto:|https:\/\/|tel:)/, 'must be a mailto:, https:// or tel: address, e.g. mailto:security@example.com')
    .optional(),
  CSAF_PROVIDER: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a maker's slug, as in its public address /disclose/<slug>, e.g. acme-devices")
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.com:587')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Connectable <no-reply@localhost>'),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  REPORT_PROOF_OF_WORK_BITS: z.coerce
    .number()
    .int()
    .refine((n) => n % 4 === 0 && n >= 0 && n <= 24, 'must be 0, 4, 8, 12, 16, 20 or 24 (leading zero bits of SHA-256 a report must pay for)')
    .default(16),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Where people reach this platform; links in invitations and setup use it. */
  publicUrl: string;
  /** False when PUBLIC_URL was not set, so the URL follows the port actually bound. */
  publicUrlSet: boolean;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  /** How to report a vulnerability in this installation itself, for its /.well-known/security.txt. */
  securityContact: string | undefined;
  /**
   * The maker (by slug) whose CSAF advisories this installation announces at
   * /.well-known/csaf/provider-metadata.json; one per host, as CSAF's discovery allows.
   */
  csafProvider: string | undefined;
  /** Where e-mail goes out; unset keeps messages in the outbox, visible to owners, unsent. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Port of the SMTP listener that turns mail to makers' security addresses into reports; unset: off. */
  inboundSmtpPort: number | undefined;
  /** Leading zero bits of the proof of work each report must carry; 0 turns it off. */
  proofOfWorkBits: number;
  trustProxy: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConnectableError('CONNECTABLE_ERR_CONFIG', `The environment is not valid (${problems}). Fix these variables and start again.`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    publicUrlSet: e.PUBLIC_URL !== undefined,
    logLevel: e.LOG_LEVEL,
    securityContact: e.SECURITY_CONTACT,
    csafProvider: e.CSAF_PROVIDER,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    inboundSmtpPort: e.INBOUND_SMTP_PORT,
    proofOfWorkBits: e.REPORT_PROOF_OF_WORK_BITS,
    trustProxy: e.TRUST_PROXY,
  };
}
