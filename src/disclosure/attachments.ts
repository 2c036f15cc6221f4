// Files attached to a vulnerability report: screenshots, captures, proofs of concept. They are
// checked before anything is stored (all or nothing), kept in the database next to the report
// (never on a path a web server could serve), hashed so either side can show which file was
// meant, and only ever handed back as downloads that no browser will render.

import crypto from 'node:crypto';
import { invalidInput, notFound } from '../errors.ts';
import { one, type Queryable } from '../store/index.ts';
import { isRefused, safeFileName, sniffMediaType } from './attachment-type.ts';

const MiB = 1024 * 1024;

/**
 * Why these numbers: 10 MiB per file holds a screenshot, a short screen recording, a firmware
 * excerpt or a packet capture, and is the limit the report_attachments table enforces. Files live
 * in the database, so every replica and backup carries them: 10 files and 50 MiB per report keeps
 * one report from growing the database without bound while leaving room for follow-ups. At most 5
 * files per upload bounds what one request holds in memory (5 × 10 MiB).
 */
export const attachmentLimits = {
  maxFileBytes: 10 * MiB,
  maxFilesPerReport: 10,
  maxFilesPerUpload: 5,
  maxTotalBytesPerReport: 50 * MiB,
} as const;

export type AttachmentUploader = 'reporter' | 'responder';

export interface UploadedFile {
  fileName: string;
  bytes: Uint8Array;
}

/** A file that passed checkUpload: named safely, typed from its bytes, hashed. */
export interface CheckedFile {
  fileName: string;
  mediaType: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface AttachmentMetadata {
  id: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedBy: AttachmentUploader;
  createdAt: Date;
}

export interface AttachmentContent {
  fileName: string;
  mediaType: string;
  size: number;
  content: Buffer;
  sha256: string;
}

function formatSize(bytes: number): string {
  return bytes >= MiB ? `${Number((bytes / MiB).toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

const sha256Of = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex');

function refusal(message: string, detail: string): never {
  throw invalidInput(message, { attachments: detail });
}

/**
 * Checks the files of one upload and refuses the whole upload if any file is refused, naming every
 * refused file and why, so the reporter can fix them all in one go. No files is not an error:
 * attachments are optional, and whether one is required is the caller's decision.
 */
export function checkUpload(files: readonly UploadedFile[]): CheckedFile[] {
  const { maxFilesPerUpload, maxFileBytes } = attachmentLimits;
  if (files.length > maxFilesPerUpload) {
    const detail = `Attach at most ${maxFilesPerUpload} files at a time (you chose ${files.length}); send the rest in a follow-up message, or put them together in a ZIP.`;
    refusal(`Too many files: ${detail}`, detail);
  }
  const checked: CheckedFile[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const fileName = safeFileName(file.fileName);
    const size = file.bytes.length;
    if (size === 0) {
      problems.push(`${fileName}: the file is empty; choose it again, or leave it out.`);
      continue;
    }
    if (size > maxFileBytes) {
      problems.push(`${fileName}: the file is too large (${formatSize(size)}; the limit is ${formatSize(maxFileBytes)} per file); compress it (ZIP, 7z) or split it.`);
      continue;
    }
    const type = sniffMediaType(file.bytes, fileName);
    if (isRefused(type)) {
      problems.push(`${fileName}: ${type.refused}`);
      continue;
    }
    checked.push({ fileName, mediaType: type.mediaType, bytes: file.bytes, sha256: sha256Of(file.bytes) });
  }
  if (problems.length > 0) {
    const detail = problems.join(' ');
    const summary =
      files.length === 1
        ? 'The file could not be attached.'
        : problems.length === files.length
          ? `None of the ${files.length} files could be attached.`
          : `${problems.length} of ${files.length} files could not be attached, so none was; fix or leave out these and send them all again.`;
    refusal(`${summary} ${detail}`, detail);
  }
  return checked;
}

// Ids come from addresses; PostgreSQL would raise an error on a malformed uuid, which must read as
// "not found" like any other id that names nothing.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (id: string): boolean => UUID.test(id);

/**
 * Stores checked files on a report, inside the caller's transaction. The caller holds the report's
 * row lock (SELECT … FOR UPDATE), so the count and total read here cannot change before the insert;
 * the lock is taken again here, which costs nothing when held and keeps the limits true if a caller
 * forgot. Each file is recorded on the report's timeline with its name, size and hash.
 */
export async function storeAttachments(
  q: Queryable,
  reportId: string,
  uploadedBy: AttachmentUploader,
  files: readonly CheckedFile[],
): Promise<AttachmentMetadata[]> {
  if (!isUuid(reportId) || !(await one(q, 'SELECT 1 FROM vulnerability_reports WHERE id = $1 FOR UPDATE', [reportId]))) throw notFound('That report');
  if (files.length === 0) return [];
  const { maxFilesPerReport, maxTotalBytesPerReport } = attachmentLimits;
  const current = await one<{ count: number; total: number }>(
    q,
    'SELECT count(*)::int AS count, coalesce(sum(size), 0)::float8 AS total FROM report_attachments WHERE report_id = $1',
    [reportId],
  );
  const count = current?.count ?? 0;
  const total = current?.total ?? 0;
  if (count + files.length > maxFilesPerReport) {
    const room = maxFilesPerReport - count;
    const detail = `A report holds at most ${maxFilesPerReport} files and this one has ${count}; ${room > 0 ? `attach at most ${room} more, or` : 'to send more,'} put them together in a ZIP.`;
    refusal(`Too many files on this report: ${detail}`, detail);
  }
  const adding = files.reduce((sum, f) => sum + f.bytes.length, 0);
  if (total + adding > maxTotalBytesPerReport) {
    const detail = `A report holds at most ${formatSize(maxTotalBytesPerReport)} of files and this one has ${formatSize(total)}; these files add ${formatSize(adding)}. Compress them (ZIP, 7z), or leave out what is not needed to reproduce the problem.`;
    refusal(`Too much data on this report: ${detail}`, detail);
  }
  const stored: AttachmentMetadata[] = [];
  for (const file of files) {
    // The contents travel as base64 text: PGlite serialises a bytea parameter byte by byte (about
    // 12 s for 10 MiB, holding its only connection), decode() of base64 takes well under a second,
    // and PostgreSQL takes the same SQL. clock_timestamp(), not the column's default now() (the
    // transaction's start), so the files of one upload list in the order they were sent.
    const row = await one<{ id: string; createdAt: Date }>(
      q,
      `INSERT INTO report_attachments (report_id, uploaded_by, file_name, media_type, size, sha256, content, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'base64'), clock_timestamp()) RETURNING id, created_at AS "createdAt"`,
      [reportId, uploadedBy, file.fileName, file.mediaType, file.bytes.length, file.sha256, Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64')],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    await q.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'attachment_added', $2, $3)`, [
      reportId,
      uploadedBy,
      JSON.stringify({ fileName: file.fileName, size: file.bytes.length, sha256: file.sha256 }),
    ]);
    stored.push({ id: row.id, fileName: file.fileName, mediaType: file.mediaType, size: file.bytes.length, sha256: file.sha256, uploadedBy, createdAt: row.createdAt });
  }
  return stored;
}

/**
 * The files of a report, oldest first, without their contents. The caller has already decided
 * that whoever asks may see this report.
 */
export async function listAttachments(q: Queryable, reportId: string): Promise<AttachmentMetadata[]> {
  if (!isUuid(reportId)) return [];
  return q.query<AttachmentMetadata>(
    `SELECT id, file_name AS "fileName", media_type AS "mediaType", size, sha256, uploaded_by AS "uploadedBy", created_at AS "createdAt"
       FROM report_attachments WHERE report_id = $1 ORDER BY created_at, id`,
    [reportId],
  );
}

/**
 * One file of a report, with its contents. An id of another report's file is "not found", so
 * access to one report never reaches another's files. The hash is checked on the way out: a
 * file handed to a responder is exactly the one the reporter sent.
 */
export async function readAttachment(q: Queryable, reportId: string, attachmentId: string): Promise<AttachmentContent> {
  if (!isUuid(reportId) || !isUuid(attachmentId)) throw notFound('That attachment');
  // base64 again, for the same reason as in storeAttachments (PGlite reads bytea slowly), and it
  // gives one shape, a Buffer, on both databases.
  const row = await one<{ fileName: string; mediaType: string; size: number; sha256: string; content: string }>(
    q,
    `SELECT file_name AS "fileName", media_type AS "mediaType", size, sha256, encode(content, 'base64') AS content
       FROM report_attachments WHERE id = $1 AND report_id = $2`,
    [attachmentId, reportId],
  );
  if (!row) throw notFound('That attachment');
  const content = Buffer.from(row.content, 'base64');
  if (content.length !== row.size || sha256Of(content) !== row.sha256) {
    throw new Error(`Attachment ${attachmentId} no longer matches its stored SHA-256; the database copy is damaged and must be restored from a backup.`);
  }
  return { fileName: row.fileName, mediaType: row.mediaType, size: row.size, content, sha256: row.sha256 };
}

/** ASCII for the plain filename parameter, for clients that ignore filename*. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, '_')
    .replace(/["\\]/g, '_');
  return ascii || 'attachment';
}

/** RFC 8187 (formerly 5987) ext-value: percent-encode everything outside attr-char. */
function rfc8187(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Response headers for handing an attachment back. Always application/octet-stream, never the
 * sniffed type, and nosniff, so no browser renders the file in our origin; a sandboxing CSP in
 * case one does anyway; never cached, since a report may be undisclosed.
 */
export function downloadHeaders(a: { fileName: string; size: number }): Record<string, string> {
  const name = safeFileName(a.fileName);
  return {
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${rfc8187(name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
    'content-length': String(a.size),
  };
}
