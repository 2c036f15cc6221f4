import pino, { type Logger } from 'pino';

// Logs are JSON for machines. They never hold passwords, tokens, cookies or report contents:
// bodies are not logged at all, credentials in headers are censored, and the one-time tokens that
// travel in paths are cut out of URLs.
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'connectable' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'password', '*.password', 'token', '*.token'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string }) => ({
          method: req.method,
          url: redactUrlPath(req.url ?? ''),
          ip: req.ip,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}

export function redactUrlPath(url: string): string {
  return url.replace(/^\/(setup|invitations|disclose\/track)\/[^/?#]+/, '/$1/[redacted]').replace(/([?&](?:token|code|next)=)[^&#]*/g, '$1[redacted]');
}
