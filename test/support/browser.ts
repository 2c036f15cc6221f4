// What every browser test needs: Debian's Chromium, launched the way this machine allows, and the
// platform served over real HTTP on a free loopback port, on the test database.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { readConfig, type Config } from '../../src/config.ts';
import type { PlatformDatabase } from '../../src/store/index.ts';
import { buildServer } from '../../src/web/server.ts';
import { openTestDatabase } from './database.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the networking flags Chromium keeps calling home, which this machine refuses.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface HttpPlatform {
  db: PlatformDatabase;
  app: FastifyInstance;
  config: Config;
  /** http://127.0.0.1:PORT, also the platform's public URL, so links and QR codes point here. */
  base: string;
  /** Stops the HTTP server only (to test what happens while we are down). */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpPlatform(): Promise<HttpPlatform> {
  const db = await openTestDatabase();
  const config = readConfig({});
  const app = await buildServer({ db, config, queue: undefined, logger: false });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  config.publicUrl = base;
  let stopped = false;
  const stopServer = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    db,
    app,
    config,
    base,
    stopServer,
    async close() {
      await stopServer();
      await db.close();
    },
  };
}
