// Free TCP ports on a host: the local stack's servers, and the Temporal SDK's loopback metrics exporter.
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/** A TCP port that is free on `host` right now and not handed out before by this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found on ${host}`);
}
