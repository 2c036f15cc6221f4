// The scheduler expects a protocol module to throw nothing but ProbeFailure (types.ts): a bug or
// a library's own error inside a step must still reach it as a failure it can report against
// the service, not as something that stops the whole probe.
import { ProbeFailure } from '../types.ts';

/** `error` as a ProbeFailure: one passes as it is, anything else becomes a 'protocol' failure. */
export function asProbeFailure(error: unknown, describe: (reason: string) => string): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  return new ProbeFailure('protocol', describe(error instanceof Error ? error.message : String(error)), { cause: error });
}

/** `step` with whatever else it throws turned into a ProbeFailure reading "`prefix`: reason". */
export function containedStep<A extends unknown[], R>(prefix: string, step: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await step(...args);
    } catch (e) {
      throw asProbeFailure(e, (reason) => `${prefix}: ${reason}`);
    }
  };
}
