import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../context.ts';

export function registerHealth(app: FastifyInstance, platform: Platform): void {
  // Liveness: the process answers. Never touches the database, so a slow database does not get
  // a healthy process killed.
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  // Readiness: the database answers and the job queue runs; a load balancer sends traffic only then.
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await platform.db.query('SELECT 1');
      checks['database'] = 'ok';
    } catch (e) {
      checks['database'] = `failing: ${e instanceof Error ? e.message : String(e)}`;
    }
    checks['jobs'] = platform.queue ? 'ok' : 'not started';
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.status(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
