// A real lighttpd for the HTTP probe's tests: Debian's /usr/sbin/lighttpd in the foreground with
// a configuration of the test's own. Three listeners on one address:
//   basic  — `/` refreshes to /basic/, which mod_auth guards with Basic (htpasswd, apr1 hash);
//   digest — `/` refreshes to /digest/, guarded with Digest (htdigest, MD5 of user:realm:pass);
//   https  — the basic site over TLS with a self-signed certificate made here by openssl.
// The meta refreshes make detect() walk from `/` to the protected path as it does on devices.
import crypto from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { inTempDir, runTool, startServerProcess } from './process.ts';

const LIGHTTPD = '/usr/sbin/lighttpd';

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

export function startLighttpd(options: LighttpdOptions): Promise<RunningLighttpd> {
  return inTempDir('cnt-lighttpd-', async (dir) => {
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
    const apr1 = await runTool('openssl', ['passwd', '-apr1', basic.password]);
    await writeFile(path.join(dir, 'htpasswd'), `${basic.username}:${apr1.trim()}\n`);
    const ha1 = crypto.createHash('md5').update(`${digest.username}:${digest.realm}:${digest.password}`).digest('hex');
    await writeFile(path.join(dir, 'htdigest'), `${digest.username}:${digest.realm}:${ha1}\n`);

    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await runTool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=bench-camera.local/O=Connectable test']);
    const fingerprint = await runTool('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
    const sha256 = fingerprint.trim().replace(/^.*=/, '');

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

    const lighttpd = await startServerProcess({
      file: LIGHTTPD,
      args: ['-D', '-f', configFile],
      dir,
      ready: { tcp: { host: options.host, ports: [basicPort, digestPort, httpsPort] } },
    });
    return {
      host: options.host,
      basicPort,
      digestPort,
      httpsPort,
      certificate: { sha256, commonName: 'bench-camera.local' },
      errorLog: () => readFile(errorLog, 'utf8').catch(() => ''),
      stop: lighttpd.stop,
    };
  });
}
