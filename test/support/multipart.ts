import type { LightMyRequestResponse } from 'fastify';
import type { Client } from './client.ts';

export interface Part {
  name: string;
  value: string | Buffer;
  /** Makes the part a file. */
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body, as a browser sends a form with files. */
export function multipart(parts: readonly Part[]): { payload: Buffer; contentType: string } {
  const boundary = '----connectable-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename !== undefined ? `\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Loads pageUrl for a fresh CSRF token and cookies, then posts the parts as that client. */
export async function postMultipart(client: Client, pageUrl: string, url: string, parts: readonly Part[]): Promise<LightMyRequestResponse> {
  await client.get(pageUrl);
  const { payload, contentType } = multipart([{ name: '_csrf', value: client.csrf }, ...parts]);
  return client.app.inject({
    method: 'POST',
    url,
    payload,
    remoteAddress: client.ip,
    headers: { accept: 'text/html', 'content-type': contentType, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
}
