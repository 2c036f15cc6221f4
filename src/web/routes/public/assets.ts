import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';

const css = fs.readFileSync(new URL('../../assets/app.css', import.meta.url), 'utf8');
const reportForm = fs.readFileSync(new URL('../../assets/report-form.js', import.meta.url), 'utf8');
// OpenPGP.js for encrypting reports in the browser: served from here (never a CDN), loaded only
// when a reporter ticks "encrypt".
const openpgpModule = fs.readFileSync(new URL('../openpgp.min.mjs', import.meta.resolve('openpgp')), 'utf8');

export function registerAssets(app: FastifyInstance): void {
  app.get('/assets/report-form.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(reportForm));
  app.get('/assets/openpgp.min.mjs', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(openpgpModule));
  app.get('/assets/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css));
}
