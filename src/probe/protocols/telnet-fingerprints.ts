// Telnet banners that name the product behind them, so the scheduler can try that product's
// defaults first. Provenance: written from what these devices are commonly known to print on
// their telnet port (our own bench notes and widely published device documentation); no entry
// was copied from another tool's fingerprint database. Patterns are matched against the text
// a device sends before its first prompt, prompt included; the first match wins, so specific
// entries come before generic ones. A fingerprint only orders the credentials tried: a wrong
// or missing match never changes an outcome.

export interface TelnetFingerprintRule {
  /** Matched against the pre-login text; keep them linear (no nested quantifiers). */
  pattern: RegExp;
  vendor: string;
  product?: string;
  /** Capture group of `pattern` that holds a model or version to add to the product. */
  detailGroup?: number;
}

export const telnetFingerprints: readonly TelnetFingerprintRule[] = [
  // Moxa NPort serial servers print their model and MAC, then ask for a password only.
  { pattern: /Model name\s*:\s*(NPort[ \w-]{0,24})/i, vendor: 'Moxa', product: 'NPort', detailGroup: 1 },
  { pattern: /\bNPort\b/, vendor: 'Moxa', product: 'NPort' },
  { pattern: /MikroTik(?:\s+v?(\d+(?:\.\d+){1,2}))?/i, vendor: 'MikroTik', product: 'RouterOS', detailGroup: 1 },
  // ZTE home gateways and OLTs name their model families ZXHN, ZXV10, ZXA10, ZXAN.
  { pattern: /\b(ZXHN[ \w-]{0,16}|ZXV10[ \w-]{0,16}|ZXA10[ \w-]{0,16}|ZXAN)\b/, vendor: 'ZTE', detailGroup: 1 },
  { pattern: /\bZTE\b/, vendor: 'ZTE' },
  { pattern: /\b(EchoLife[ \w-]{0,16}|HG8\d{3}[A-Z0-9]{0,4})\b/, vendor: 'Huawei', product: 'home gateway', detailGroup: 1 },
  { pattern: /\bHuawei\b|Versatile Routing Platform|\bVRP\b/i, vendor: 'Huawei' },
  // HiSilicon SoCs sit in most white-label DVRs, NVRs and IP cameras; the board name leaks
  // into the hostname or banner (hi3518, hi3520d, …).
  { pattern: /\b(hi35\d{2}[a-z]{0,3}(?:v\d{3})?)\b/i, vendor: 'HiSilicon-based DVR/camera', detailGroup: 1 },
  { pattern: /\bHikvision\b/i, vendor: 'Hikvision' },
  { pattern: /\bDahua\b/i, vendor: 'Dahua' },
  { pattern: /\bAVTECH\b/i, vendor: 'AVTECH' },
  { pattern: /\b(TeraStation|LinkStation|AirStation)\b/i, vendor: 'Buffalo', detailGroup: 1 },
  { pattern: /\bBUFFALO\b/i, vendor: 'Buffalo' },
  { pattern: /\b(EdgeOS|EdgeRouter|EdgeSwitch|airOS|UniFi)\b/i, vendor: 'Ubiquiti', detailGroup: 1 },
  { pattern: /\b(?:Ubiquiti|UBNT)\b/i, vendor: 'Ubiquiti' },
  // Cisco IOS greets a telnet session with this exact line before "Username:" or "Password:".
  { pattern: /User Access Verification/, vendor: 'Cisco', product: 'IOS' },
  { pattern: /\b(ZyXEL|Zyxel)\b/, vendor: 'Zyxel' },
  { pattern: /\bTP-?LINK\b/i, vendor: 'TP-Link' },
  { pattern: /\bD-?Link\b/i, vendor: 'D-Link' },
  { pattern: /\bNETGEAR\b/i, vendor: 'NETGEAR' },
  { pattern: /\bFRITZ!Box\b/i, vendor: 'AVM', product: 'FRITZ!Box' },
  { pattern: /\bDD-WRT\b/, vendor: 'DD-WRT' },
  { pattern: /\bOpenWrt\b/i, vendor: 'OpenWrt' },
  { pattern: /\bRealtek\b/i, vendor: 'Realtek SDK device' },
  { pattern: /\bGrandstream\b/i, vendor: 'Grandstream' },
  { pattern: /BusyBox v(\d+\.\d+(?:\.\d+)?)/, vendor: 'BusyBox', product: 'embedded Linux', detailGroup: 1 },
  // "(none)" is the hostname of a Linux system nobody named: typical of cheap cameras and DVRs
  // that run BusyBox telnetd with the vendor's root password baked into the image.
  { pattern: /^\(none\) login:/m, vendor: 'generic embedded Linux', product: 'unnamed host "(none)"' },
];

export interface TelnetFingerprintMatch {
  vendor: string;
  product?: string;
  /** The banner line that matched, for the report. */
  line: string;
}

/** The first rule matching the banner, with the line it matched on. */
export function matchTelnetFingerprint(banner: string): TelnetFingerprintMatch | undefined {
  // Bounded: banners are a few lines; a device flooding text is not fingerprinted beyond this.
  const text = banner.slice(0, 8192);
  for (const rule of telnetFingerprints) {
    const m = rule.pattern.exec(text);
    if (!m) continue;
    const detail = rule.detailGroup === undefined ? undefined : m[rule.detailGroup]?.trim();
    const product = [rule.product, detail].filter((p): p is string => p !== undefined && p !== '').join(' ');
    const start = text.lastIndexOf('\n', m.index) + 1;
    const end = text.indexOf('\n', m.index);
    const line = text.slice(start, end === -1 ? undefined : end).trim();
    return product === '' ? { vendor: rule.vendor, line } : { vendor: rule.vendor, product, line };
  }
  return undefined;
}
