import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';

const css = fs.readFileSync(new URL('../../assets/app.css', import.meta.url), 'utf8');

export function registerAssets(app: FastifyInstance): void {
  app.get('/assets/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css));
}
