// Test servers listen on a port the kernel has just called free, on the address their test owns:
// fixed ports would collide between test files run side by side.
import dgram from 'node:dgram';
import net from 'node:net';

/** A TCP port free on `host` at the time of asking (bound to 0, read back, released). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`no port was assigned on ${host}`));
      });
    });
  });
}

/** A UDP port free on `host` at the time of asking. */
export function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export interface Listening {
  port: number;
  /** Closes the server, ending the connections still open (close() alone would wait for them). */
  stop(): Promise<void>;
}

/** Starts `server` (net or http) listening on a free port of `host`. */
export async function listenOnFreePort(server: net.Server, host: string): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort(host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
