// What the probe tests of line-based protocols (FTP, SSH) share when they set a probe against
// peers that misbehave: every peer started is stopped after the suite, and a detect() against a
// fresh peer is timed, because ending in bounded time is what these cases prove.
import { after } from 'node:test';
import type { Detection, Endpoint, ProbeContext, ProtocolProbe } from '../../../src/probe/types.ts';
import { startHostileServer, type Behaviour, type TestServer } from './silent-server.ts';

export interface Timed<T> {
  result: T | undefined;
  error: unknown;
  ms: number;
}

/** Runs `run`, keeping its result or its error and how long it took. */
export async function elapsed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const started = Date.now();
  try {
    return { result: await run(), error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { result: undefined, error, ms: Date.now() - started };
  }
}

export interface HostilePeers {
  /** Keeps a started server, to be stopped after the suite. */
  start(server: Promise<TestServer>): Promise<TestServer>;
  /** Starts a hostile peer of `behaviour` (startHostileServer's `line`) and times the probe's detect() on it. */
  detect(behaviour: Behaviour, line?: string): Promise<Timed<Detection>>;
}

/** Call within a describe(): the peers it starts are stopped after that suite. */
export function hostilePeers(probe: ProtocolProbe, host: string, ctx: ProbeContext): HostilePeers {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const start = async (server: Promise<TestServer>): Promise<TestServer> => {
    const started = await server;
    servers.push(started);
    return started;
  };
  return {
    start,
    async detect(behaviour, line) {
      const server = await start(startHostileServer(host, behaviour, line));
      const endpoint: Endpoint = { host: server.host, port: server.port, service: probe.service };
      return elapsed(() => probe.detect(endpoint, ctx));
    },
  };
}
