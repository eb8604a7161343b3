// A plain-HTTP proxy on loopback in front of the test kube-apiserver, for faults the API server will not
// make on demand: while a conflict window is open, status writes of the named resources are answered
// 409 Conflict, exactly as the API server words it. Everything else (watches included) passes through to
// the real API server with the caller's own token.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';

export interface KubeFaultProxy {
  /** A copy of `kubeconfig` (same user) that talks to the API server through this proxy. */
  readonly kubeconfigPath: string;
  /** Status writes answered 409 so far. */
  readonly conflicts: number;
  /** Until `closeConflicts()`, every status write of a resource with one of these names gets a 409. */
  openConflicts(names: Iterable<string>): void;
  closeConflicts(): void;
  stop(): Promise<void>;
}

const STATUS_WRITE = /^\/apis\/([^/]+)\/[^/]+\/namespaces\/[^/]+\/([^/]+)\/([^/]+)\/status$/;

export async function startKubeFaultProxy(kubeconfig: string, outPath: string): Promise<KubeFaultProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${kubeconfig} has no current cluster`);
  const upstream = new URL(cluster.server);
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64')
    : cluster.caFile
      ? readFileSync(cluster.caFile)
      : undefined;
  const agent = new https.Agent({ keepAlive: true, ca });
  let conflictNames = new Set<string>();
  let conflicts = 0;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstreamReq = https.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        // A watch's headers come long before its first event: pass them on at once.
        res.flushHeaders();
        upstreamRes.pipe(res);
      },
    );
    // The API server is down: the caller sees its connection fail, as it would without the proxy.
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  };

  const server = createServer((req, res) => {
    const write = STATUS_WRITE.exec(new URL(req.url ?? '/', 'http://proxy').pathname);
    if (write && (req.method === 'PATCH' || req.method === 'PUT') && conflictNames.has(write[3] ?? '')) {
      req.resume();
      req.once('end', () => {
        conflicts += 1;
        const [, group, plural, name] = write;
        res.writeHead(409, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `Operation cannot be fulfilled on ${plural}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            reason: 'Conflict',
            details: { name, group, kind: plural },
            code: 409,
          }),
        );
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const config = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  config.clusters = config.clusters.map((c) => ({
    name: c.name,
    // The client refuses a token over plain HTTP unless TLS checks are declared off (there is no TLS).
    cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
  }));
  writeFileSync(outPath, stringify(config), { mode: 0o600 });

  return {
    kubeconfigPath: outPath,
    get conflicts() {
      return conflicts;
    },
    openConflicts(names) {
      conflictNames = new Set(names);
    },
    closeConflicts() {
      conflictNames = new Set();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
