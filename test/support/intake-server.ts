// A platform process for the durability test: serves on a given port until it is killed.
import { readConfig } from '../../src/config.ts';
import { schemaMigrations } from '../../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../../src/store/index.ts';
import { buildServer } from '../../src/web/server.ts';

const url = process.env['DATABASE_URL'];
const db: PlatformDatabase = url ? await openPostgres({ url, schema: process.env['TEST_SCHEMA'] ?? 'public', max: 10 }) : await openPglite(process.env['DATA_DIR'] ?? '');
await migrate(db, schemaMigrations);
// Behind a (pretend) proxy, so each simulated reporter has its own address for the rate limit.
const app = await buildServer({ db, config: readConfig({ PUBLIC_URL: 'http://connectable.test', TRUST_PROXY: 'true', REPORT_PROOF_OF_WORK_BITS: process.env['BENCH_POW_BITS'] ?? '4' }), queue: undefined, logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
process.on('SIGTERM', () => process.exit(0));
