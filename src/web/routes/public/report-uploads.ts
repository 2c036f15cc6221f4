import type { MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyRequest } from 'fastify';
import { attachmentLimits, checkUpload, type CheckedFile, type UploadedFile } from '../../../disclosure/attachments.ts';
import { invalidInput } from '../../../errors.ts';

// Multipart for report forms: each file part is read into memory up to the per-file limit, with
// its name kept (the body's keyValues mode alone would drop it).

interface ReadFile {
  fileName: string;
  bytes: Buffer;
  tooLarge: boolean;
}

export const multipartOptions = {
  attachFieldsToBody: 'keyValues' as const,
  // Size limits are read off the stream rather than thrown, so the whole form comes back with
  // every problem named instead of a bare 413.
  throwFileSizeLimit: false,
  async onFile(this: FastifyRequest, part: MultipartFile & { value?: unknown }): Promise<void> {
    const bytes = await part.toBuffer();
    const tooLarge = part.file.truncated;
    part.value = { fileName: part.filename, bytes: tooLarge ? Buffer.alloc(0) : bytes, tooLarge } satisfies ReadFile;
  },
  limits: { fileSize: attachmentLimits.maxFileBytes, files: attachmentLimits.maxFilesPerUpload, fields: 30, parts: 40, fieldSize: 200_000 },
};

export const uploadBodyLimit = attachmentLimits.maxFilesPerUpload * attachmentLimits.maxFileBytes + 1024 * 1024;

const isReadFile = (v: unknown): v is ReadFile => typeof v === 'object' && v !== null && 'fileName' in v && 'bytes' in v && Buffer.isBuffer((v as ReadFile).bytes);

/** The files sent in a form's `attachments` field, checked; throws a field error naming each refused file. */
export function attachmentsOf(body: Record<string, unknown>): CheckedFile[] {
  const raw = body['attachments'];
  const parts = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(isReadFile);
  // A file input left empty still sends a nameless, empty part.
  const files = parts.filter((p) => !(p.fileName === '' && p.bytes.length === 0 && !p.tooLarge));
  const tooLarge = files.filter((f) => f.tooLarge).map((f) => f.fileName);
  if (tooLarge.length) {
    const limit = `${attachmentLimits.maxFileBytes / 1024 / 1024} MiB`;
    throw invalidInput(`Files may be at most ${limit} each: ${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger. Nothing was stored.`, {
      attachments: `At most ${limit} per file; compress it or share a smaller excerpt.`,
    });
  }
  return checkUpload(files.map((f): UploadedFile => ({ fileName: f.fileName, bytes: f.bytes })));
}

/** Attachments in the JSON API: [{ fileName, contentBase64 }]. */
export function jsonAttachmentsOf(body: Record<string, unknown>): CheckedFile[] {
  const raw = body['attachments'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidInput('attachments must be a list of {"fileName", "contentBase64"}.', { attachments: 'Send a list.' });
  const files = raw.map((a, i): UploadedFile => {
    const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    if (typeof o['fileName'] !== 'string' || typeof o['contentBase64'] !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(o['contentBase64'])) {
      throw invalidInput(`attachments[${i}] needs "fileName" and "contentBase64" (standard base64).`, { attachments: `Item ${i + 1} is not a file.` });
    }
    return { fileName: o['fileName'], bytes: Buffer.from(o['contentBase64'], 'base64') };
  });
  return checkUpload(files);
}

/** Multipart's own limits (too many files or parts) become errors a reporter can act on. */
export function uploadErrorHandler(error: FastifyError): never {
  if (error.code === 'FST_FILES_LIMIT') throw invalidInput(`Attach at most ${attachmentLimits.maxFilesPerUpload} files at a time.`, { attachments: 'Too many files.' });
  if (error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_FIELDS_LIMIT') throw invalidInput('The form has more fields than it should; reload the page and try again.');
  throw error;
}
