// One catalogue of every error a user can meet: a stable code, the HTTP status the API answers
// with, the exit code the CLI ends with, and (where the error is about the law) the rule id. The
// web layer and the CLI map errors through this table only, so the two never disagree.

export type FieldErrors = Record<string, string>;

interface ErrorKind {
  status: number;
  exitCode: 1 | 2;
  title: string;
}

export const errorCatalogue = {
  CONNECTABLE_ERR_INVALID_INPUT: { status: 400, exitCode: 2, title: 'The input is not valid' },
  CONNECTABLE_ERR_CONFIG: { status: 500, exitCode: 2, title: 'The configuration is not valid' },
  CONNECTABLE_ERR_UNAUTHENTICATED: { status: 401, exitCode: 2, title: 'Sign-in required' },
  CONNECTABLE_ERR_SIGN_IN_FAILED: { status: 401, exitCode: 2, title: 'Sign-in failed' },
  CONNECTABLE_ERR_FORBIDDEN: { status: 403, exitCode: 2, title: 'Not allowed' },
  CONNECTABLE_ERR_CSRF: { status: 403, exitCode: 2, title: 'The form has expired' },
  CONNECTABLE_ERR_NOT_FOUND: { status: 404, exitCode: 2, title: 'Not found' },
  CONNECTABLE_ERR_CONFLICT: { status: 409, exitCode: 2, title: 'Conflict' },
  CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED: { status: 409, exitCode: 2, title: 'A published support period cannot be shortened' },
  CONNECTABLE_ERR_LOCKED_OUT: { status: 429, exitCode: 2, title: 'Too many attempts' },
  CONNECTABLE_ERR_DATABASE_UNREACHABLE: { status: 503, exitCode: 2, title: 'The database cannot be reached' },
  CONNECTABLE_ERR_DATA_DIR_IN_USE: { status: 503, exitCode: 2, title: 'The data directory is in use' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof errorCatalogue;

export class ConnectableError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: 1 | 2;
  readonly fields: FieldErrors | undefined;
  readonly lawId: string | undefined;

  constructor(code: ErrorCode, message: string, options: { fields?: FieldErrors; lawId?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ConnectableError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.exitCode = errorCatalogue[code].exitCode;
    this.fields = options.fields;
    this.lawId = options.lawId;
  }

  get title(): string {
    return errorCatalogue[this.code].title;
  }

  /** An RFC 9457 problem body; it never carries a stack or a cause, which may hold secrets. */
  toProblem(): Record<string, unknown> {
    return {
      type: `https://connectable.dev/errors/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(this.fields ? { fields: this.fields } : {}),
      ...(this.lawId ? { lawId: this.lawId } : {}),
    };
  }
}

export const invalidInput = (message: string, fields?: FieldErrors): ConnectableError =>
  new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', message, fields ? { fields } : {});
export const notFound = (what: string): ConnectableError =>
  new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', `${what} was not found. Check the address, or ask an owner of your organisation for access.`);
export const forbidden = (message: string): ConnectableError => new ConnectableError('CONNECTABLE_ERR_FORBIDDEN', message);
export const conflict = (message: string): ConnectableError => new ConnectableError('CONNECTABLE_ERR_CONFLICT', message);
export const unauthenticated = (): ConnectableError =>
  new ConnectableError('CONNECTABLE_ERR_UNAUTHENTICATED', 'Sign in first, or send an API token as "Authorization: Bearer <token>".');

export function isConnectableError(e: unknown): e is ConnectableError {
  return e instanceof ConnectableError;
}
