// A real lighttpd for the HTTP probe's tests: Debian's /usr/sbin/lighttpd in the foreground with
// a configuration of the test's own. Three listeners on one address:
//   basic  — `/` refreshes to /basic/, which mod_auth guards with Basic (htpasswd, apr1 hash);
//   digest — `/` refreshes to /digest/, guarded with Digest (htdigest, MD5 of user:realm:pass);
//   https  — the basic site over TLS with a self-signed certificate made here by openssl.
// The meta refreshes make detect() walk from `/` to the protected path as it does on devices.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const LIGHTTPD = '/usr/sbin/lighttpd';
const run = promisify(execFile);

export interface LighttpdOptions {
  host: string;
  basic: { username: string; password: string; realm: string };
  digest: { username: string; password: string; realm: string };
}

export interface RunningLighttpd {
  host: string;
  basicPort: number;
  digestPort: number;
  httpsPort: number;
  /** The certificate as openssl describes it: "AB:CD:…" and the subject's CN. */
  certificate: { sha256: string; commonName: string };
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

const refreshTo = (target: string): string => `<!DOCTYPE html><html><head><title>Bench web server</title><meta http-equiv="refresh" content="0; url=${target}"></head><body>Moved to <a href="${target}">${target}</a></body></html>\n`;

export async function startLighttpd(options: LighttpdOptions): Promise<RunningLighttpd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnt-lighttpd-'));
  let child: ChildProcess | undefined;
  try {
    const basicRoot = path.join(dir, 'basic-site');
    const digestRoot = path.join(dir, 'digest-site');
    for (const [root, guarded] of [
      [basicRoot, 'basic'],
      [digestRoot, 'digest'],
    ] as const) {
      await mkdir(path.join(root, guarded), { recursive: true });
      await writeFile(path.join(root, 'index.html'), refreshTo(`/${guarded}/`));
      await writeFile(path.join(root, guarded, 'index.html'), `<!DOCTYPE html><html><head><title>Device status</title></head><body>Signed in to the ${guarded} area.</body></html>\n`);
    }

    const { basic, digest } = options;
    const { stdout: apr1 } = await run('openssl', ['passwd', '-apr1', basic.password]);
    await writeFile(path.join(dir, 'htpasswd'), `${basic.username}:${String(apr1).trim()}\n`);
    const ha1 = crypto.createHash('md5').update(`${digest.username}:${digest.realm}:${digest.password}`).digest('hex');
    await writeFile(path.join(dir, 'htdigest'), `${digest.username}:${digest.realm}:${ha1}\n`);

    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=bench-camera.local/O=Connectable test']);
    const { stdout: fingerprint } = await run('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
    const sha256 = String(fingerprint).trim().replace(/^.*=/, '');

    const [basicPort, digestPort, httpsPort] = [await freePort(options.host), await freePort(options.host), await freePort(options.host)];
    const errorLog = path.join(dir, 'error.log');
    const config = `
server.modules = ("mod_auth", "mod_authn_file", "mod_openssl")
server.document-root = "${basicRoot}"
server.bind = "${options.host}"
server.port = ${basicPort}
server.errorlog = "${errorLog}"
server.tag = "lighttpd"
# lighttpd waits before answering a wrong password; the tests would wait for every wrong pair.
server.feature-flags = ("auth.delay-invalid-creds" => "disable")
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "${path.join(dir, 'htpasswd')}"
auth.backend.htdigest.userfile = "${path.join(dir, 'htdigest')}"
auth.require = (
  "/basic/" => ("method" => "basic", "realm" => "${basic.realm}", "require" => "valid-user"),
  "/digest/" => ("method" => "digest", "realm" => "${digest.realm}", "require" => "valid-user")
)
$HTTP["url"] =~ "^/digest/" { auth.backend = "htdigest" }
$SERVER["socket"] == "${options.host}:${digestPort}" { server.document-root = "${digestRoot}" }
$SERVER["socket"] == "${options.host}:${httpsPort}" {
  ssl.engine = "enable"
  ssl.pemfile = "${cert}"
  ssl.privkey = "${key}"
}
`;
    const configFile = path.join(dir, 'lighttpd.conf');
    await writeFile(configFile, config);

    child = spawn(LIGHTTPD, ['-D', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (output += t));
    await waitListening(child, options.host, [basicPort, digestPort, httpsPort], () => output);

    const started = child;
    return {
      host: options.host,
      basicPort,
      digestPort,
      httpsPort,
      certificate: { sha256, commonName: 'bench-camera.local' },
      errorLog: () => readFile(errorLog, 'utf8').catch(() => ''),
      stop: async () => {
        await stopProcess(started);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitListening(child: ChildProcess, host: string, ports: number[], output: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`lighttpd exited (${child.exitCode}) before it was ready:\n${output()}`);
    const up = await Promise.all(ports.map((p) => canConnect(host, p)));
    if (up.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`lighttpd did not listen within 5 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ends the server started here (its own process group) and waits for it. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 2000);
  await exited;
  clearTimeout(timer);
}
