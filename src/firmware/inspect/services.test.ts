import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { Entry } from '../unpack/types.ts';
import { createContext, GUESSABLE_PASSWORD_LAW, UNAUTHENTICATED_SERVICE_LAW, UNIVERSAL_PASSWORD_LAW, type Finding } from './finding.ts';
import { inspect } from './services.ts';

// Needs openssl (Debian package openssl).
const file = (path: string, content: string): Entry => ({ path, type: 'file', mode: 0o644, data: Buffer.from(content) });
const openssl = (flag: string, password: string): string => execFileSync('openssl', ['passwd', flag, '-salt', 'fixture1', '--', password], { encoding: 'utf8' }).trim();
const context = () => createContext({ maxCandidatesPerHash: 150, workers: 0 });
const brief = (f: Finding) => [f.path, f.line, f.rule, f.severity, f.universal];

test('a clean tree (telnet off, keys-only SSH, no planted secrets) reports nothing', async () => {
  const entries = [
    file('etc/init.d/S50dropbear', '#!/bin/sh\n# telnetd -l /bin/sh  (kept off in production)\ndropbear -s -g -r /etc/dropbear/key\n'),
    file('etc/ssh/sshd_config', 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nPermitEmptyPasswords no\n'),
    file('etc/config/wireless', "config wifi-iface 'default_radio0'\n\toption ssid 'OpenWrt'\n\toption encryption 'psk2'\n\toption key ''\n"),
    file('etc/config/system', "config system\n\toption hostname 'OpenWrt'\n"),
    file('etc/hostapd.conf', 'interface=wlan0\n#wpa_passphrase=\n'),
    file('etc/mosquitto/mosquitto.conf', 'allow_anonymous false\n'),
    file('etc/snmp/snmpd.conf', '# rocommunity public\n'),
    file('etc/vsftpd.conf', 'anonymous_enable=NO\n'),
    file('etc/shadow', 'root:!:19000:0:99999:7:::\n'),
  ];
  assert.deepEqual(await inspect(entries, context()), []);
});

test('every planted service credential is reported once, at its line, with the secret masked', async () => {
  const entries = [
    file('etc/init.d/S40telnet', '#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh -p 23 &\n'),
    file('etc/init.d/S41dlink', '#!/bin/sh\nimage_sign=`cat /etc/config/image_sign`\ntelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n'),
    file('etc/config/image_sign', 'wrgn49_dlob_dir600b\n'),
    file('etc/inetd.conf', 'telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n'),
    file('etc/ssh/sshd_config', 'PermitRootLogin yes\nPermitEmptyPasswords yes\n'),
    file('etc/shadow', `root:${openssl('-1', 'root')}:19000:0:99999:7:::\n`),
    file('www/.htpasswd', `admin:${openssl('-apr1', 'admin')}\nops:${openssl('-apr1', 'Tz8#vQ2!mL5$pR9w')}\n`),
    file('etc/httpd.conf', 'A:*\n/cgi-bin:admin:admin\n'),
    file('etc/lighttpd/lighttpd.conf', 'auth.backend = "plain"\nauth.backend.plain.userfile = "/etc/lighttpd/users"\n'),
    file('etc/lighttpd/users', 'installer:Inst4ll3r2024\n'),
    file('etc/nginx/nginx.conf', 'location / { auth_basic "x"; auth_basic_user_file /etc/nginx/htpasswd.users; }\n'),
    file('etc/nginx/htpasswd.users', `user:{SHA}${execFileSync('sh', ['-c', 'printf %s password | openssl dgst -sha1 -binary | openssl base64'], { encoding: 'utf8' }).trim()}\n`),
    file('etc/config/wireless', "config wifi-iface 'default_radio0'\n\toption ssid 'Cam'\n\toption encryption 'psk2'\n\toption key 'SameOnEveryUnit9'\n"),
    file('etc/config/cloud', "config account 'main'\n\toption password 'cl0udP4ss'\n"),
    file('etc/hostapd.conf', 'interface=wlan0\nwpa_passphrase=factoryWifi42\n'),
    file('etc/wpa_supplicant.conf', 'network={\n  ssid="FactoryTest"\n  psk="testline-psk-7"\n}\n'),
    file('etc/mosquitto/mosquitto.conf', 'allow_anonymous true\npassword_file /etc/mosquitto/passwd\n'),
    file('etc/mosquitto/passwd', `iot:${openssl('-6', 'iot')}\n`),
    file('etc/rtsp.conf', '[auth]\nuser=admin\npassword=12345\n'),
    file('etc/onvif_users.xml', '<User><Username>operator</Username><Password>op3r4tor!</Password></User>\n'),
    file('etc/vsftpd.conf', 'listen=YES\nanonymous_enable=YES\n'),
    file('etc/snmp/snmpd.conf', 'rocommunity public default\nrwcommunity s3cr3tCommunity 10.0.0.0/8\n'),
  ];
  const findings = await inspect(entries, context());
  const expected: (string | number | boolean | undefined)[][] = [
    ['etc/init.d/S40telnet', 2, 'service-no-authentication', 'critical', true],
    ['etc/init.d/S41dlink', 3, 'service-default-credential', 'critical', true],
    ['etc/inetd.conf', 1, 'insecure-service', 'medium', false],
    ['etc/ssh/sshd_config', 1, 'service-default-credential', 'critical', true],
    ['etc/ssh/sshd_config', 2, 'service-no-authentication', 'high', false],
    ['www/.htpasswd', 1, 'service-default-credential', 'critical', true],
    ['www/.htpasswd', 2, 'service-default-credential', 'high', true],
    ['etc/httpd.conf', 2, 'service-default-credential', 'critical', true],
    ['etc/lighttpd/users', 1, 'service-default-credential', 'critical', true],
    ['etc/nginx/htpasswd.users', 1, 'service-default-credential', 'critical', true],
    ['etc/config/wireless', 4, 'wifi-psk', 'high', true],
    ['etc/config/cloud', 2, 'service-default-credential', 'critical', true],
    ['etc/hostapd.conf', 2, 'wifi-psk', 'high', true],
    ['etc/wpa_supplicant.conf', 3, 'wifi-psk', 'medium', false],
    ['etc/mosquitto/mosquitto.conf', 1, 'service-no-authentication', 'medium', false],
    ['etc/mosquitto/passwd', 1, 'service-default-credential', 'critical', true],
    ['etc/rtsp.conf', 3, 'service-default-credential', 'critical', true],
    ['etc/onvif_users.xml', 1, 'service-default-credential', 'critical', true],
    ['etc/vsftpd.conf', 2, 'service-no-authentication', 'medium', false],
    ['etc/snmp/snmpd.conf', 1, 'snmp-community', 'high', true],
    ['etc/snmp/snmpd.conf', 2, 'snmp-community', 'critical', true],
  ];
  const sort = (rows: (string | number | boolean | undefined)[][]) => rows.map((r) => JSON.stringify(r)).sort();
  assert.deepEqual(sort(findings.map(brief)), sort(expected));

  const at = (path: string, line: number): Finding | undefined => findings.find((f) => f.path === path && f.line === line);
  assert.equal(at('etc/init.d/S41dlink', 3)?.secret, 'wrgn49_dlob_dir600b', 'the $image_sign variable is resolved from the image');
  assert.equal(at('etc/ssh/sshd_config', 1)?.secret, 'root');
  assert.equal(at('www/.htpasswd', 1)?.secret, 'admin');
  assert.deepEqual(at('www/.htpasswd', 1)?.lawIds, GUESSABLE_PASSWORD_LAW);
  assert.equal(at('www/.htpasswd', 2)?.secret, undefined, 'the strong one stays unknown');
  assert.deepEqual(at('www/.htpasswd', 2)?.lawIds, UNIVERSAL_PASSWORD_LAW);
  assert.equal(at('etc/nginx/htpasswd.users', 1)?.secret, 'password');
  assert.equal(at('etc/mosquitto/passwd', 1)?.secret, 'iot');
  assert.deepEqual(at('etc/vsftpd.conf', 2)?.lawIds, UNAUTHENTICATED_SERVICE_LAW);
  assert.equal(at('etc/config/wireless', 4)?.evidence, 'UCI wifi-iface (encryption psk2): S…9');
  assert.equal(at('etc/hostapd.conf', 2)?.evidence, 'hostapd wpa_passphrase: f…2');
  assert.match(at('etc/snmp/snmpd.conf', 1)?.title ?? '', /well-known default/);
  assert.deepEqual(at('etc/snmp/snmpd.conf', 1)?.lawIds, GUESSABLE_PASSWORD_LAW);
  for (const f of findings) {
    if (f.secret && f.secret.length >= 4) {
      // Secrets are shown quoted or after a colon; their masked form stands there instead.
      const masked = `${f.secret[0]}…${f.secret.at(-1)}`;
      assert.ok(f.evidence.includes(masked), `masked form shown: ${f.evidence}`);
      assert.ok(!f.evidence.includes(`"${f.secret}"`) && !f.evidence.endsWith(f.secret) && !f.title.includes(`"${f.secret}"`), `masked: ${f.title} / ${f.evidence}`);
    }
  }
});
