// A home router's web interface, in process, for the HTTP probe's tests. As 'router' it behaves
// like the real thing: a login form with a CSRF token in a hidden field, a cookie before and a new
// one after the login, unauthenticated pages redirecting to the login (or showing it with 403),
// a failure message on a bad login, and a lock-out after N failures. Its title, markers and paths
// can impersonate a fingerprinted product. The other behaviours are hostile devices the probe
// must survive without ever reporting a success.
import crypto from 'node:crypto';
import http from 'node:http';
import { listenOnFreePort } from './ports.ts';

export type RouterBehaviour =
  /** The real thing. */
  | 'router'
  /** The admin page on every path, no login at all. */
  | 'open'
  /** The same login page (with a fresh cookie) for every path, method and credential. */
  | 'same-page'
  /** 401 with a Basic challenge for everything, whatever the credentials. */
  | 'always-401'
  /** Headers and a little body, then nothing more, ever. */
  | 'endless-body'
  /** A redirect to `redirectTo` for everything. */
  | 'redirect-away';

export interface RouterWebOptions {
  host: string;
  behaviour?: RouterBehaviour;
  users?: { username: string; password: string }[];
  title?: string;
  /** Extra markup in <head> (a stylesheet path a fingerprint knows, …). */
  head?: string;
  /** Extra text on the admin page ("No password set!", …). */
  adminText?: string;
  serverHeader?: string;
  loginPath?: string;
  /** Where the form posts; the login path when absent. */
  actionPath?: string;
  /** Where a login lands. */
  adminPath?: string;
  usernameField?: string;
  passwordField?: string;
  csrfField?: string;
  sessionCookie?: string;
  /** What an unauthenticated request for a page gets: a redirect to the login, or the login with 403. */
  unauthenticated?: 'redirect' | 'login-page';
  failureStatus?: number;
  failureMessage?: string;
  /** Failures after which every login is refused; undefined never locks. */
  lockAfter?: number;
  lockStyle?: '429' | 'page';
  redirectTo?: string;
}

export interface RunningRouterWeb {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Requests seen, as "METHOD /path". */
  requests(): string[];
  /** Login posts refused so far. */
  failures(): number;
  stop(): Promise<void>;
}

export async function startRouterWeb(options: RouterWebOptions): Promise<RunningRouterWeb> {
  const o = {
    behaviour: 'router' as RouterBehaviour,
    users: [] as { username: string; password: string }[],
    title: 'Home Router',
    head: '',
    adminText: '',
    serverHeader: 'httpd',
    loginPath: '/login',
    adminPath: '/admin',
    usernameField: 'username',
    passwordField: 'password',
    csrfField: 'csrf_token',
    sessionCookie: 'SID',
    unauthenticated: 'redirect' as 'redirect' | 'login-page',
    failureStatus: 200,
    failureMessage: 'Invalid username or password.',
    lockStyle: '429' as '429' | 'page',
    redirectTo: 'http://127.0.3.254/',
    ...options,
  };
  const actionPath = options.actionPath ?? o.loginPath;
  const sessions = new Set<string>();
  const tokens = new Set<string>();
  const seen: string[] = [];
  let connections = 0;
  let failures = 0;
  const random = (): string => crypto.randomBytes(12).toString('hex');

  const page = (title: string, body: string): string =>
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title>${o.head}</head><body>${body}</body></html>\n`;
  const loginPage = (message = ''): string => {
    const token = random();
    tokens.add(token);
    return page(
      o.title,
      `<h1>${o.title}</h1>${message ? `<p class="error">${message}</p>` : ''}
<form method="post" action="${actionPath}">
  <input type="hidden" name="${o.csrfField}" value="${token}">
  <label>User name <input type="text" name="${o.usernameField}"></label>
  <label>Password <input type="password" name="${o.passwordField}"></label>
  <input type="submit" value="Log in">
</form>`,
    );
  };
  const adminPage = (): string => page(`${o.title} - Status`, `<h1>Status</h1><p>Firmware 1.0.4, uptime 3 days</p><p>${o.adminText}</p><a href="/logout">Log out</a>`);
  const locked = (): boolean => o.lockAfter !== undefined && failures >= o.lockAfter;
  const cookieOf = (req: http.IncomingMessage): string | undefined => {
    const m = new RegExp(`(?:^|;\\s*)${o.sessionCookie}=([^;]+)`).exec(req.headers.cookie ?? '');
    return m?.[1];
  };

  const send = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', Server: o.serverHeader, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const sendLocked = (res: http.ServerResponse): void => {
    if (o.lockStyle === '429') send(res, 429, page(o.title, '<p>Too many requests.</p>'), { 'Retry-After': '60' });
    else send(res, 200, page(o.title, '<h1>Login disabled</h1><p>Too many failed login attempts. Try again in 60 seconds.</p>'));
  };

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        if (text.length < 8192) text += c;
      });
      req.on('end', () => resolve(text));
    });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://router.invalid');
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    switch (o.behaviour) {
      case 'open':
        return send(res, 200, adminPage());
      case 'same-page':
        await readBody(req);
        return send(res, 200, loginPage(), { 'Set-Cookie': `${o.sessionCookie}=${random()}; Path=/` });
      case 'always-401':
        await readBody(req);
        return send(res, 401, page('401 Unauthorized', '<p>Authorization required.</p>'), { 'WWW-Authenticate': `Basic realm="${o.title}"` });
      case 'endless-body':
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': '1000000' });
        res.write(`<html><head><title>${o.title}</title></head><body>`);
        return; // never ends
      case 'redirect-away':
        return send(res, 302, '', { Location: o.redirectTo });
      case 'router':
        break;
    }

    const session = cookieOf(req);
    const signedIn = session !== undefined && sessions.has(session);
    if (req.method === 'POST' && url.pathname === actionPath) {
      const form = new URLSearchParams(await readBody(req));
      if (locked()) return sendLocked(res);
      const token = form.get(o.csrfField) ?? '';
      if (!tokens.delete(token)) return send(res, 403, page(o.title, '<p>Invalid or expired form token.</p>'));
      const user = o.users.find((u) => u.username === form.get(o.usernameField) && u.password === form.get(o.passwordField));
      if (!user) {
        failures++;
        if (locked()) return sendLocked(res);
        return send(res, o.failureStatus, loginPage(o.failureMessage));
      }
      const fresh = random();
      sessions.add(fresh);
      return send(res, 302, '', { Location: o.adminPath, 'Set-Cookie': `${o.sessionCookie}=${fresh}; Path=/; HttpOnly` });
    }
    if (url.pathname === o.loginPath && !signedIn) {
      if (locked() && o.lockStyle === 'page') return sendLocked(res);
      // A pre-login cookie, as many devices set: the probe must not take it for a session.
      return send(res, 200, loginPage(), { 'Set-Cookie': `${o.sessionCookie}=anon-${random()}; Path=/` });
    }
    if (url.pathname === '/logout') {
      if (session !== undefined) sessions.delete(session);
      return send(res, 302, '', { Location: o.loginPath });
    }
    if (signedIn) return url.pathname === o.adminPath || url.pathname === '/' ? send(res, 200, adminPage()) : send(res, 404, page('Not found', '<p>Not found</p>'));
    if (o.unauthenticated === 'login-page') return send(res, 403, loginPage());
    return send(res, 302, '', { Location: o.loginPath });
  });
  server.on('connection', () => {
    connections++;
  });

  const { port, stop } = await listenOnFreePort(server, o.host);
  return {
    host: o.host,
    port,
    connections: () => connections,
    requests: () => [...seen],
    failures: () => failures,
    stop,
  };
}
