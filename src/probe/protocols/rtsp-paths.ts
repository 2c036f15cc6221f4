// Where cameras serve their stream, and what their RTSP servers call themselves. Provenance: the
// vendors' own published RTSP URL formats (support articles and manuals) and widely documented
// defaults; nothing was copied from another tool's database. A camera answers DESCRIBE for its
// own path only (or 401 for every path, before looking), so the probe asks a few likely ones;
// a fingerprint only puts that vendor's paths first, it never changes an outcome.

export interface StreamPath {
  /** Path and query after rtsp://host:port, starting with '/'. */
  path: string;
  /** Whose documented default this is; 'generic' when many products use it. */
  vendor: string;
}

export const streamPaths: readonly StreamPath[] = [
  { path: '/', vendor: 'generic' },
  { path: '/live', vendor: 'generic' },
  { path: '/stream1', vendor: 'TP-Link' },
  { path: '/h264', vendor: 'generic' },
  { path: '/Streaming/Channels/101', vendor: 'Hikvision' },
  // Hikvision firmware before 2012 used this older form.
  { path: '/h264/ch1/main/av_stream', vendor: 'Hikvision' },
  { path: '/cam/realmonitor?channel=1&subtype=0', vendor: 'Dahua' },
  { path: '/videoMain', vendor: 'Foscam' },
  { path: '/live/ch00_0', vendor: 'generic' },
  { path: '/ch0_0.264', vendor: 'CamHi' },
  { path: '/axis-media/media.amp', vendor: 'Axis' },
  { path: '/live.sdp', vendor: 'Vivotek' },
  { path: '/profile2/media.smp', vendor: 'Hanwha' },
];

export interface RtspFingerprintRule {
  /** Matched against the Server header and the authentication realm; linear patterns only. */
  pattern: RegExp;
  vendor: string;
  product?: string;
  /** Capture group of `pattern` holding a version to add to the product. */
  detailGroup?: number;
}

/** First match wins: specific entries before generic ones. */
export const rtspFingerprints: readonly RtspFingerprintRule[] = [
  { pattern: /\bHikvision\b/i, vendor: 'Hikvision' },
  { pattern: /\bDahua\b/i, vendor: 'Dahua' },
  { pattern: /\bAxis\b/i, vendor: 'Axis' },
  { pattern: /\bFoscam\b/i, vendor: 'Foscam' },
  { pattern: /\bVivotek\b/i, vendor: 'Vivotek' },
  { pattern: /\b(?:Hanwha|Wisenet)\b/i, vendor: 'Hanwha' },
  { pattern: /\b(?:TP-?Link|Tapo)\b/i, vendor: 'TP-Link' },
  { pattern: /\bAmcrest\b/i, vendor: 'Amcrest' },
  { pattern: /\bReolink\b/i, vendor: 'Reolink' },
  // Servers built on a library name the library, not the product: still worth reporting.
  { pattern: /LIVE555 Streaming Media v?([\d.]+)?/i, vendor: 'LIVE555 (streaming library)', product: 'LIVE555 Streaming Media', detailGroup: 1 },
  { pattern: /GStreamer RTSP server/i, vendor: 'GStreamer (streaming library)', product: 'GStreamer RTSP server' },
  { pattern: /\b(?:MediaMTX|rtsp-simple-server)\b/i, vendor: 'MediaMTX (streaming server)' },
];

/** The table's paths, those of `vendor` first, each once. */
export function pathsFor(vendor: string | undefined): string[] {
  const first = vendor ? streamPaths.filter((p) => p.vendor === vendor) : [];
  return [...new Set([...first, ...streamPaths].map((p) => p.path))];
}
