// Loopback addresses for the storage servers: 127.0.0.1 and a free port by default; for the real
// tier's TLS mode, a port such as 443 on an address of 127.0.0.0/8 that no other process uses. And a
// port free on several loopback addresses at once, for the real tier's clusters of more than one node.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { freePort } from '../../src/net/free-port.js';

/** Throws unless `host` is an IPv4 loopback address (127.0.0.0/8): the servers never listen elsewhere. */
export function assertLoopback(host: string): void {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m || m.slice(1).some((part) => Number(part) > 255)) {
    throw new Error(`storage servers listen on loopback only (127.0.0.0/8), not on '${host}'`);
  }
}

/** Whether `port` can be bound on `host` right now (EACCES for a port below 1024 without root). */
export function canListen(host: string, port: number): Promise<true | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on every one of the hosts (nodes of one cluster on several loopback addresses). */
export async function freePortOnAll(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(hosts[0]);
    const free = await Promise.all(hosts.slice(1).map((h) => canListen(h, port)));
    if (free.every((f) => f === true)) return port;
  }
  throw new Error(`no TCP port free on all of ${hosts.join(', ')}`);
}

/**
 * A random 127.x.y.z (never 127.0.0.1) on which `port` is free, so that two test runs on one machine
 * can each have their own :443. Bounded: 50 tries.
 */
export async function freeLoopbackAddress(port: number): Promise<string> {
  let last: NodeJS.ErrnoException | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const free = await canListen(host, port);
    if (free === true) return host;
    last = free;
    if (free.code === 'EACCES') {
      throw new Error(
        `cannot listen on port ${port} (${free.code}): ports below 1024 need root or CAP_NET_BIND_SERVICE`,
      );
    }
  }
  throw new Error(`no loopback address with port ${port} free after 50 tries (last: ${last?.code})`);
}
