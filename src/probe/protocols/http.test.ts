import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { listenOnFreePort, type Listening } from '../../../test/support/devices/ports.ts';
import { startLighttpd, type RunningLighttpd } from '../../../test/support/devices/lighttpd.ts';
import { startRouterWeb, type RouterWebOptions, type RunningRouterWeb } from '../../../test/support/devices/router-web.ts';
import { startHostileServer } from '../../../test/support/devices/silent-server.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Detection, type Endpoint, type ProbeContext } from '../types.ts';
import { deviceWebUis, fingerprintCredentials, fingerprintEntry, fingerprintProbePaths, matchFingerprint } from './http-fingerprints.ts';
import { httpProbe, httpsProbe, isHttpState, type HttpState } from './http.ts';

const pair = (username: string, password: string): Credential => ({ username, password, source: 'test' });
const ctx = (hosts?: string[], timeoutMs = 2000): ProbeContext => contextFor({ timeoutMs, ...(hosts ? { hosts } : {}) });
const http_ = (host: string, port: number): Endpoint => ({ host, port, service: 'http' });

async function withRouter<T>(options: RouterWebOptions, run: (router: RunningRouterWeb) => Promise<T>): Promise<T> {
  const router = await startRouterWeb(options);
  try {
    return await run(router);
  } finally {
    await router.stop();
  }
}

/** A node:http server on a fresh port, stopped by the caller. */
function startServer(host: string, handler: http.RequestListener): Promise<Listening> {
  return listenOnFreePort(http.createServer(handler), host);
}

async function outcomes(endpoint: Endpoint, detection: Detection, pairs: Credential[], context: ProbeContext): Promise<string[]> {
  const out: string[] = [];
  for (const p of pairs) out.push((await httpProbe.attempt(endpoint, detection, p, context)).outcome);
  return out;
}

describe('against lighttpd (Basic, Digest, HTTPS)', () => {
  const host = '127.0.3.1';
  let server: RunningLighttpd;
  before(async () => {
    server = await startLighttpd({
      host,
      basic: { username: 'admin', password: 'Hunter2!', realm: 'Bench camera' },
      digest: { username: 'operator', password: 'Circle of Life', realm: 'Bench DVR' },
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('Basic: detect follows the page from / to the path that answers 401 and reports the realm', async () => {
    const detection = await httpProbe.detect(http_(host, server.basicPort), ctx());
    assert.equal(detection.speaks, true);
    assert.equal(detection.auth, 'required');
    assert.match(detection.banner ?? '', /Server: lighttpd/);
    assert.match(detection.banner ?? '', /realm "Bench camera"/);
    assert.ok(isHttpState(detection.state));
    assert.deepEqual((detection.state as HttpState).login, { kind: 'basic', realm: 'Bench camera', path: '/basic/' });
  });

  test('Basic: only the right pair succeeds, with the 401 without credentials as proof', async () => {
    const endpoint = http_(host, server.basicPort);
    const detection = await httpProbe.detect(endpoint, ctx());
    const right = await httpProbe.attempt(endpoint, detection, pair('admin', 'Hunter2!'), ctx());
    assert.equal(right.outcome, 'success');
    assert.match(right.detail, /401 without credentials and 200/);
    const wrong = [pair('admin', 'admin'), pair('root', 'Hunter2!'), pair('', ''), pair('admin', 'hunter2!'), pair('nobody', 'x')];
    assert.deepEqual(await outcomes(endpoint, detection, wrong, ctx()), ['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
  });

  test('Digest: the challenge is answered, the right pair succeeds and wrong ones are rejected', async () => {
    const endpoint = http_(host, server.digestPort);
    const detection = await httpProbe.detect(endpoint, ctx());
    assert.equal(detection.auth, 'required');
    assert.deepEqual((detection.state as HttpState).login, { kind: 'digest', realm: 'Bench DVR', path: '/digest/' });
    const right = await httpProbe.attempt(endpoint, detection, pair('operator', 'Circle of Life'), ctx());
    assert.equal(right.outcome, 'success', right.detail);
    assert.match(right.detail, /Digest, realm "Bench DVR"/);
    const wrong = [pair('operator', 'circle of life'), pair('admin', 'Circle of Life'), pair('operator', '')];
    assert.deepEqual(await outcomes(endpoint, detection, wrong, ctx()), ['rejected', 'rejected', 'rejected']);
  });

  test('HTTPS: the self-signed certificate is accepted and its subject and SHA-256 are in the banner', async () => {
    const endpoint: Endpoint = { host, port: server.httpsPort, service: 'https' };
    const detection = await httpsProbe.detect(endpoint, ctx());
    assert.equal(detection.auth, 'required');
    assert.match(detection.banner ?? '', new RegExp(`SHA-256 ${server.certificate.sha256}`));
    assert.match(detection.banner ?? '', /CN=bench-camera\.local/);
    assert.deepEqual((detection.state as HttpState).certificate?.sha256, server.certificate.sha256);
    assert.equal((await httpsProbe.attempt(endpoint, detection, pair('admin', 'Hunter2!'), ctx())).outcome, 'success');
    assert.equal((await httpsProbe.attempt(endpoint, detection, pair('admin', '1234'), ctx())).outcome, 'rejected');
  });

  test('HTTPS spoken to a plain HTTP port ends in a TLS failure, not a hang', async () => {
    await assert.rejects(httpsProbe.detect({ host, port: server.basicPort, service: 'https' }, ctx()), (e: unknown) => e instanceof ProbeFailure && e.kind === 'tls');
  });
});

describe('against the router simulator', () => {
  const users = [{ username: 'admin', password: 'S3cret-pass' }];

  test('a login form no fingerprint knows: the right pair succeeds only with a new session and a page that needed it', async () => {
    await withRouter({ host: '127.0.3.10', users }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      assert.equal(detection.auth, 'required');
      assert.equal(detection.fingerprint, undefined);
      const login = (detection.state as HttpState).login;
      assert.equal(login.kind, 'form');
      assert.ok(login.kind === 'form' && login.generic && login.loginPage === '/login' && login.protectedPath === '/');

      const right = await httpProbe.attempt(endpoint, detection, pair('admin', 'S3cret-pass'), ctx());
      assert.equal(right.outcome, 'success', right.detail);
      assert.match(right.detail, /set cookie SID/);
      assert.match(right.detail, /without it redirected to the login page/);

      // A known user with a wrong password, a user that does not exist, empty fields.
      const wrong = [pair('admin', 'admin'), pair('ghost', 'S3cret-pass'), pair('', ''), pair('admin', 's3cret-pass')];
      assert.deepEqual(await outcomes(endpoint, detection, wrong, ctx()), ['rejected', 'rejected', 'rejected', 'rejected']);
      const detail = (await httpProbe.attempt(endpoint, detection, pair('admin', 'nope'), ctx())).detail;
      assert.match(detail, /Invalid username or password/);
    });
  });

  test('impersonating OpenWrt LuCI: fingerprinted, the recipe is followed, the table default is the one that works', async () => {
    const luci = fingerprintEntry('OpenWrt', 'LuCI web interface');
    assert.ok(luci && luci.login.kind === 'form');
    const recipe = luci.login;
    const defaults = fingerprintCredentials('OpenWrt', 'LuCI web interface');
    assert.deepEqual(
      defaults.map((c) => [c.username, c.password]),
      [['root', '']],
    );
    await withRouter(
      {
        host: '127.0.3.11',
        users: [{ username: 'root', password: '' }],
        title: 'OpenWrt - LuCI',
        head: '<link rel="stylesheet" href="/luci-static/bootstrap/cascade.css">',
        loginPath: recipe.loginPage,
        adminPath: recipe.authenticatedPath ?? '/',
        ...(recipe.usernameField ? { usernameField: recipe.usernameField } : {}),
        ...(recipe.passwordField ? { passwordField: recipe.passwordField } : {}),
        unauthenticated: 'login-page',
        failureStatus: 403,
        failureMessage: 'Invalid username and/or password! Please try again.',
      },
      async (router) => {
        const endpoint = http_(router.host, router.port);
        const detection = await httpProbe.detect(endpoint, ctx());
        assert.equal(detection.auth, 'required');
        assert.equal(detection.fingerprint?.vendor, 'OpenWrt');
        assert.match(detection.fingerprint?.evidence ?? '', /LuCI/);
        const login = (detection.state as HttpState).login;
        assert.ok(login.kind === 'form' && !login.generic && login.recipe.passwordField === 'luci_password');

        const results = await outcomes(endpoint, detection, [pair('root', 'admin'), pair('admin', ''), ...defaults], ctx());
        assert.deepEqual(results, ['rejected', 'rejected', 'success']);
        assert.ok(router.requests().some((r) => r.startsWith('POST /cgi-bin/luci')));
      },
    );
  });

  test('no login at all is "none" only where a fingerprint knows the admin page; otherwise "unknown", no login found', async () => {
    await withRouter({ host: '127.0.3.12', behaviour: 'open', title: 'OpenWrt - LuCI', adminText: 'No password set! There is no password set on this router.' }, async (router) => {
      const detection = await httpProbe.detect(http_(router.host, router.port), ctx());
      assert.equal(detection.auth, 'none');
      assert.equal(detection.fingerprint?.vendor, 'OpenWrt');
      assert.match(detection.openAccessEvidence ?? '', /No password set!/);
    });
    await withRouter({ host: '127.0.3.13', behaviour: 'open', title: 'Smart Plug' }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      assert.equal(detection.speaks, true);
      assert.equal(detection.auth, 'unknown');
      assert.match(detection.banner ?? '', /title "Smart Plug - Status"/);
      assert.match(detection.banner ?? '', /no login found/);
      const result = await httpProbe.attempt(endpoint, detection, pair('admin', 'admin'), ctx());
      assert.equal(result.outcome, 'rejected');
      assert.match(result.detail, /nothing sent/);
    });
  });

  test('a lock-out answered 429 with Retry-After stops at once, even for the right pair', async () => {
    await withRouter({ host: '127.0.3.14', users, lockAfter: 2, lockStyle: '429' }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      const results = await outcomes(endpoint, detection, [pair('admin', 'a'), pair('admin', 'b'), pair('admin', 'S3cret-pass')], ctx());
      assert.deepEqual(results, ['rejected', 'locked-out', 'locked-out']);
      assert.match((await httpProbe.attempt(endpoint, detection, pair('admin', 'c'), ctx())).detail, /429/);
    });
  });

  test('a lock-out page ("too many failed login attempts, try again in 60 seconds") stops as well', async () => {
    await withRouter({ host: '127.0.3.15', users, lockAfter: 1, lockStyle: 'page' }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      const first = await httpProbe.attempt(endpoint, detection, pair('admin', 'a'), ctx());
      assert.equal(first.outcome, 'locked-out');
      const next = await httpProbe.attempt(endpoint, detection, pair('admin', 'S3cret-pass'), ctx());
      assert.equal(next.outcome, 'locked-out');
      assert.match(next.detail, /too many failed login attempts/i);
    });
  });

  test('hostile: the same login page, with a new cookie, for every path and every credential is never a success', async () => {
    await withRouter({ host: '127.0.3.16', behaviour: 'same-page', users }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      assert.equal(detection.auth, 'required');
      const results = await outcomes(endpoint, detection, [pair('admin', 'S3cret-pass'), pair('admin', 'admin'), pair('', '')], ctx());
      assert.deepEqual(results, ['rejected', 'rejected', 'rejected']);
    });
  });

  test('hostile: 401 forever rejects every pair', async () => {
    await withRouter({ host: '127.0.3.17', behaviour: 'always-401', title: 'Router' }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      assert.equal(detection.auth, 'required');
      assert.equal((detection.state as HttpState).login.kind, 'basic');
      const results = await outcomes(endpoint, detection, [pair('admin', 'admin'), pair('admin', ''), pair('root', 'root')], ctx());
      assert.deepEqual(results, ['rejected', 'rejected', 'rejected']);
    });
  });

  test('hostile: a body that never ends is a bounded timeout in detect and in attempt', async () => {
    await withRouter({ host: '127.0.3.18', behaviour: 'endless-body' }, async (router) => {
      const endpoint = http_(router.host, router.port);
      const quick = ctx(undefined, 300);
      let began = Date.now();
      await assert.rejects(httpProbe.detect(endpoint, quick), (e: unknown) => e instanceof ProbeFailure && e.kind === 'timeout' && /body did not end/.test(e.message));
      assert.ok(Date.now() - began < 2000, `detect took ${Date.now() - began} ms`);
      const detection: Detection = { speaks: true, auth: 'required', state: { probe: 'http', login: { kind: 'basic', path: '/', realm: 'x' } } satisfies HttpState };
      began = Date.now();
      await assert.rejects(httpProbe.attempt(endpoint, detection, pair('admin', 'admin'), quick), (e: unknown) => e instanceof ProbeFailure && e.kind === 'timeout');
      assert.ok(Date.now() - began < 2000);
    });
  });

  test('hostile: a redirect to a host outside the targets is reported and that host is never contacted', async () => {
    await withRouter({ host: '127.0.3.99', users }, async (elsewhere) => {
      const redirectTo = `http://127.0.3.99:${elsewhere.port}/login`;
      await withRouter({ host: '127.0.3.19', behaviour: 'redirect-away', redirectTo }, async (router) => {
        const endpoint = http_(router.host, router.port);
        const scope = ctx([router.host]);
        const detection = await httpProbe.detect(endpoint, scope);
        assert.equal(detection.auth, 'unknown');
        assert.match(detection.banner ?? '', /127\.0\.3\.99.*not among the targets.*not followed/);
        assert.equal((detection.state as HttpState).offScope?.startsWith(redirectTo), true);
        assert.equal((await httpProbe.attempt(endpoint, detection, pair('admin', 'S3cret-pass'), scope)).outcome, 'rejected');
        assert.equal(elsewhere.connections(), 0);
      });
      // A name is never resolved, in scope or not.
      await withRouter({ host: '127.0.3.20', behaviour: 'redirect-away', redirectTo: 'http://router.invalid/login' }, async (router) => {
        const detection = await httpProbe.detect(http_(router.host, router.port), ctx());
        assert.match(detection.banner ?? '', /names are not resolved/);
      });
    });
  });
});

describe('proof against devices that change their answer', () => {
  test('Basic that asked once and then lets anyone in (auth switched off) is not a success', async () => {
    let asked = false;
    const server = await startServer('127.0.3.30', (_req, res) => {
      if (!asked) {
        asked = true;
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end();
      } else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>Live view</title>');
    });
    try {
      const endpoint = http_('127.0.3.30', server.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      assert.equal(detection.auth, 'required');
      const result = await httpProbe.attempt(endpoint, detection, pair('admin', 'admin'), ctx());
      assert.equal(result.outcome, 'rejected');
      assert.match(result.detail, /not proven/);
    } finally {
      await server.stop();
    }
  });

  test('Digest: a stale nonce is answered once more with the new one', async () => {
    const realm = 'stale-cam';
    const ha1 = crypto.createHash('md5').update(`admin:${realm}:12345`).digest('hex');
    const issued: string[] = [];
    let staleSent = 0;
    const server = await startServer('127.0.3.31', (req, res) => {
      const auth = req.headers.authorization ?? '';
      const challenge = (stale: boolean): void => {
        const nonce = crypto.randomBytes(8).toString('hex');
        issued.push(nonce);
        res.writeHead(401, { 'WWW-Authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}"${stale ? ', stale=true' : ''}` }).end();
      };
      const m = (k: string): string => new RegExp(`${k}="?([^",]+)"?`).exec(auth)?.[1] ?? '';
      if (!auth.startsWith('Digest ')) return challenge(false);
      // The first answer to each nonce is called stale, as after a device's nonce expiry.
      if (m('nonce') === issued[0] && staleSent++ === 0) return challenge(true);
      const ha2 = crypto.createHash('md5').update(`GET:${m('uri')}`).digest('hex');
      const expected = crypto.createHash('md5').update(`${ha1}:${m('nonce')}:${m('nc')}:${m('cnonce')}:auth:${ha2}`).digest('hex');
      if (m('response') === expected) res.writeHead(200).end('ok');
      else challenge(false);
    });
    try {
      const endpoint = http_('127.0.3.31', server.port);
      const detection = await httpProbe.detect(endpoint, ctx());
      issued.length = 0;
      const result = await httpProbe.attempt(endpoint, detection, pair('admin', '12345'), ctx());
      assert.equal(result.outcome, 'success', result.detail);
      assert.equal(staleSent, 1);
      assert.equal((await httpProbe.attempt(endpoint, detection, pair('admin', 'admin'), ctx())).outcome, 'rejected');
    } finally {
      await server.stop();
    }
  });

  test('a peer that is not HTTP is another service, with what it said as the banner', async () => {
    // It reads what it is sent (resume), or it would never see the probe hang up and never close.
    const server = await listenOnFreePort(
      net.createServer((s) => s.resume().end('SSH-2.0-dropbear_2019.78\r\n')),
      '127.0.3.32',
    );
    try {
      const detection = await httpProbe.detect(http_('127.0.3.32', server.port), ctx());
      assert.equal(detection.speaks, false);
      assert.match(detection.banner ?? '', /SSH-2\.0-dropbear/);
    } finally {
      await server.stop();
    }
  });

  test('headers beyond 16 KiB are a protocol failure; a body beyond 64 KiB is read only that far', async () => {
    const server = await startServer('127.0.3.34', (_req, res) => res.writeHead(200, { 'X-Padding': 'x'.repeat(20_000) }).end('hello'));
    try {
      await assert.rejects(httpProbe.detect(http_('127.0.3.34', server.port), ctx()), (e: unknown) => e instanceof ProbeFailure && e.kind === 'protocol' && /headers larger/.test(e.message));
    } finally {
      await server.stop();
    }
    const big = await startServer('127.0.3.35', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<title>Big</title><form method="post" action="/login"><input name="user"><input type="password" name="pass"></form>${'<!-- padding -->'.repeat(100_000)}`);
    });
    try {
      const detection = await httpProbe.detect(http_('127.0.3.35', big.port), ctx());
      assert.equal(detection.auth, 'required');
      assert.match(detection.banner ?? '', /title "Big"/);
    } finally {
      await big.stop();
    }
  });

  test('a TLS port that accepts and then says nothing is a bounded timeout', async () => {
    const silent = await startHostileServer('127.0.3.36', 'silent');
    try {
      const began = Date.now();
      await assert.rejects(httpsProbe.detect({ host: '127.0.3.36', port: silent.port, service: 'https' }, ctx(undefined, 300)), (e: unknown) => e instanceof ProbeFailure && e.kind === 'timeout' && /TLS/.test(e.message));
      assert.ok(Date.now() - began < 1500);
    } finally {
      await silent.stop();
    }
  });

  test('an aborted probe stops with an "aborted" failure', async () => {
    await withRouter({ host: '127.0.3.33', behaviour: 'endless-body' }, async (router) => {
      const controller = new AbortController();
      const context = contextFor({ timeoutMs: 5000, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(httpProbe.detect(http_(router.host, router.port), context), (e: unknown) => e instanceof ProbeFailure && e.kind === 'aborted');
    });
  });
});

describe('the fingerprint table', () => {
  test('covers at least a dozen device web UIs, each with defaults that say where they come from', () => {
    assert.ok(deviceWebUis.length >= 12, `${deviceWebUis.length} entries`);
    assert.equal(new Set(deviceWebUis.map((e) => e.id)).size, deviceWebUis.length);
    for (const vendor of ['Hikvision', 'Dahua', 'Axis', 'Foscam', 'TP-Link', 'Netgear', 'D-Link', 'Zyxel', 'OpenWrt', 'Ubiquiti']) {
      assert.ok(deviceWebUis.some((e) => e.vendor === vendor), vendor);
    }
    for (const category of ['camera', 'router', 'nas', 'printer'] as const) assert.ok(deviceWebUis.some((e) => e.category === category), category);
    for (const entry of deviceWebUis) {
      assert.ok(entry.defaults.length > 0 && entry.defaults.every((d) => d.source.length > 5), entry.id);
      // The recipe travels in Detection.state: plain data only.
      assert.deepEqual(JSON.parse(JSON.stringify(entry.login)), entry.login, entry.id);
    }
  });

  test('an answer is matched by its Server header, realm, title or a marker on a probe path', () => {
    assert.equal(matchFingerprint({ path: '/', server: 'App-webs/', body: '' })?.entry.vendor, 'Hikvision');
    assert.equal(matchFingerprint({ path: '/', realm: 'AXIS_ACCC8E012345', body: '' })?.entry.vendor, 'Axis');
    assert.equal(matchFingerprint({ path: '/', realm: 'NETGEAR R7000', body: '' })?.entry.vendor, 'Netgear');
    assert.equal(matchFingerprint({ path: '/', title: 'IPCam Client', body: '' })?.entry.vendor, 'Foscam');
    const luci = matchFingerprint({ path: '/cgi-bin/luci', body: '<input type="password" name="luci_password">' });
    assert.equal(luci?.fingerprint.evidence, 'page text "name="luci_password"" at /cgi-bin/luci');
    // A path-bound rule does not fire on another path; a plain page matches nothing.
    assert.equal(matchFingerprint({ path: '/', body: '<input type="password" name="luci_password">' }), undefined);
    assert.equal(matchFingerprint({ path: '/', title: 'Home Router', server: 'httpd', body: '<form></form>' }), undefined);
    assert.ok(fingerprintProbePaths().includes('/cgi-bin/luci'));
  });

  test('fingerprintCredentials gives the product\'s pairs, or every pair of the vendor', () => {
    const dahua = fingerprintCredentials('dahua');
    assert.deepEqual(
      dahua.map((c) => `${c.username}:${c.password}`),
      ['admin:admin', '888888:888888', '666666:666666'],
    );
    assert.match(dahua[0]?.source ?? '', /^vendor:Dahua \(IP camera \/ DVR\): vendor manual/);
    assert.deepEqual(fingerprintCredentials('Netgear', 'no such product').map((c) => c.password), ['password']);
    assert.deepEqual(fingerprintCredentials('Unknown vendor'), []);
  });
});
