import type { ParseArgsConfig } from 'node:util';
import { ConnectableError } from '../errors.ts';

// Exit codes, the same for every command: 0 done, 1 findings (a check found problems),
// 2 the command could not run as asked (usage, input, configuration, unreachable database).
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names the positional arguments in usage, when the command takes any. */
  positionals?: string;
  run(values: Record<string, string | boolean | undefined>, io: Io, positionals: string[]): Promise<number>;
}

export const json = { json: { type: 'boolean', default: false } } as const;
export const help = { help: { type: 'boolean', short: 'h', default: false } } as const;

export function usageError(message: string): ConnectableError {
  return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', message);
}

