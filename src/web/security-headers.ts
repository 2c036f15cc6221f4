// The security headers of every answer, computed once. @fastify/helmet rebuilt the policy text on
// every request, which cost the public look-up a fifth of its throughput; these are constants.

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': contentSecurityPolicy,
  'cross-origin-opener-policy': 'same-origin',
  // Public answers meant for other sites (widget, badge, QR, public API) set cross-origin themselves.
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  // The old XSS auditor did more harm than good; "0" turns it off where it still exists.
  'x-xss-protection': '0',
});

/** For routes meant to be framed by other sites: the same policy, any ancestor. */
export const embeddableCsp = contentSecurityPolicy.replace("frame-ancestors 'none'", 'frame-ancestors *');
