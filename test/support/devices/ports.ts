// Test servers listen on a port the kernel has just called free, on the address their test owns:
// fixed ports would collide between test files run side by side.
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
