import type { FastifyInstance } from 'fastify';
import { generateSecurityTxt, nextExpiry } from '../../../disclosure/index.ts';
import { ConnectableError } from '../../../errors.ts';
import type { Platform } from '../../context.ts';

// The installation's own security.txt: we ask makers to publish a point of contact, so we publish
// ours. It is written from SECURITY_CONTACT and renewed on every request, so it never lapses.
export function registerWellKnown(app: FastifyInstance, platform: Platform): void {
  app.get('/.well-known/security.txt', async (_request, reply) => {
    const contact = platform.config.securityContact;
    if (!contact) {
      throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', 'This installation has no security contact configured. Its operator sets SECURITY_CONTACT (e.g. mailto:security@example.com).');
    }
    const https = platform.config.publicUrl.startsWith('https://');
    const today = new Date(new Date().toISOString().slice(0, 10));
    const text = generateSecurityTxt({
      contacts: [contact],
      expires: nextExpiry(today),
      preferredLanguages: ['en'],
      ...(https ? { canonical: [`${platform.config.publicUrl}/.well-known/security.txt`] } : {}),
    });
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(text);
  });
}
