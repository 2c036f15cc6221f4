import { opensslKey, opensslPasswd, type Tree } from '../support/firmware-images.ts';

// Two root file systems: one with a credential of every kind the scanner must find planted in it,
// and one made the way a compliant product is (locked accounts, no fixed secrets), which must
// produce no finding at all.

const base: Tree = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  'etc/group': 'root:x:0:\ndaemon:x:1:\n',
  'etc/hostname': 'device\n',
  'etc/init.d/rcS': '#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/dropbear -R\n',
  'bin/busybox': 'ELF-placeholder\n',
  'www/index.html': '<!doctype html><title>Device</title><form action="/login" method="post"><input name="user"><input type="password" name="pass"></form>\n',
  'etc/os-release': 'NAME=DeviceOS\nVERSION=2.4.1\n',
  'lib/libc.so': { symlink: 'libc.so.6' },
};

export function cleanTree(): Tree {
  return {
    ...base,
    'etc/shadow': { mode: 0o600, content: 'root:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' },
  };
}

/** What is planted, each with the rule it must be reported under and the file it is in. */
export interface Planted {
  rule: string;
  path: string;
}

export function plantedTree(): { tree: Tree; planted: Planted[] } {
  const key = opensslKey();
  const tree: Tree = {
    ...base,
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nsupport::1001:1001:support:/home/support:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\n',
    'etc/shadow': { mode: 0o600, content: `root:${opensslPasswd('-6', 'root', 'fixedsalt')}:19000:0:99999:7:::\nadmin:${opensslPasswd('-1', 'admin', 'abcdefgh')}:19000:0:99999:7:::\n` },
    'etc/inittab': '::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F -l /bin/sh\n',
    'www/.htpasswd': `admin:${opensslPasswd('-apr1', 'admin', 'saltsalt')}\n`,
    'etc/httpd.conf': 'A:*\n/cgi-bin:admin:admin\n',
    'etc/config/system': "config system\n\toption hostname 'device'\n\noption password 'SuperSecret123'\n",
    'etc/hostapd.conf': 'interface=wlan0\nssid=Device-Setup\nwpa=2\nwpa_passphrase=factory-wifi-key-2024\n',
    'etc/mosquitto/mosquitto.conf': 'listener 1883\nallow_anonymous true\n',
    'etc/snmp/snmpd.conf': 'rocommunity public\nrwcommunity private\n',
    'usr/bin/update.sh': '#!/bin/sh\ncurl -u admin:Upd4te!Pass https://updates.example.com/firmware.bin -o /tmp/fw.bin\n',
    'www/js/api.js': "fetch('/api/status', { headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } });\n",
    'etc/ssl/private/device.key': key.privateKey,
    'etc/ssl/certs/device.crt': key.certificate,
    'etc/cloud.conf': 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
  };
  const planted: Planted[] = [
    { rule: 'account-known-password', path: 'etc/shadow' },
    { rule: 'account-empty-password', path: 'etc/passwd' },
    { rule: 'service-no-authentication', path: 'etc/inittab' },
    { rule: 'service-default-credential', path: 'www/.htpasswd' },
    { rule: 'service-default-credential', path: 'etc/httpd.conf' },
    { rule: 'service-default-credential', path: 'etc/config/system' },
    { rule: 'wifi-psk', path: 'etc/hostapd.conf' },
    { rule: 'service-no-authentication', path: 'etc/mosquitto/mosquitto.conf' },
    { rule: 'snmp-community', path: 'etc/snmp/snmpd.conf' },
    { rule: 'hardcoded-credential', path: 'usr/bin/update.sh' },
    { rule: 'hardcoded-credential', path: 'www/js/api.js' },
    { rule: 'private-key', path: 'etc/ssl/private/device.key' },
    { rule: 'api-token', path: 'etc/cloud.conf' },
  ];
  return { tree, planted };
}
