import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A browser-like client over app.inject: it keeps cookies, asks for HTML, and reads the CSRF
 * token from the last page, so tests speak to the app the way a person's browser does.
 */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';
  readonly app: FastifyInstance;
  readonly ip: string;

  constructor(app: FastifyInstance, ip = '198.51.100.7') {
    this.app = app;
    this.ip = ip;
  }

  private remember(response: LightMyRequestResponse): void {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { accept: 'text/html', cookie: this.cookieHeader(), ...headers } });
    this.remember(response);
    return response;
  }

  /** Posts a form with the current CSRF token unless the fields carry their own _csrf. */
  async post(url: string, fields: Record<string, string | string[]> = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams();
    if (!('_csrf' in fields)) form.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
    const response = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      payload: form.toString(),
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
    });
    this.remember(response);
    return response;
  }

  /** Loads a page first so the CSRF token is fresh, then posts. */
  async submit(pageUrl: string, url: string, fields: Record<string, string | string[]> = {}): Promise<LightMyRequestResponse> {
    await this.get(pageUrl);
    return this.post(url, fields);
  }
}
