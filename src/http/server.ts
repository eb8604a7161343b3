// The operator's HTTP endpoint for the platform: /healthz (the process answers), /readyz (every check
// passes: the watcher has listed its resources, the worker polls its task queue; 503 while starting or
// stopping, with the reasons), and /metrics (the operator's registry, then the Temporal SDK's own
// series). Nothing here reads a credential; the bodies hold names and states only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export interface ReadinessCheck {
  name: string;
  /** Why it is not ready (empty when it is). */
  problems(): string[];
}

export interface HttpServerOptions {
  port: number;
  registry: Registry;
  /** More exposition text appended to /metrics (the Temporal SDK's series), or undefined. */
  extraMetrics?: () => Promise<string | undefined>;
  logger: Logger;
}

export interface HttpServer {
  readonly port: number;
  /** Adds a readiness check (the watcher and the worker register theirs once started). */
  addCheck(check: ReadinessCheck): void;
  /** From now on /readyz answers 503: the process is stopping. */
  stopping(): void;
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const checks: ReadinessCheck[] = [];
  let stopping = false;
  const readiness = (): { ok: boolean; lines: string[] } => {
    const lines: string[] = [];
    let ok = checks.length > 0 && !stopping;
    if (stopping) lines.push('[-]shutdown: stopping');
    if (checks.length === 0) lines.push('[-]startup: starting');
    for (const check of checks) {
      const problems = check.problems();
      if (problems.length) ok = false;
      lines.push(problems.length ? `[-]${check.name}: ${problems.join('; ')}` : `[+]${check.name} ok`);
    }
    return { ok, lines };
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return send(200, 'ok\n');
    if (path === '/readyz') {
      const { ok, lines } = readiness();
      return send(
        ok ? 200 : 503,
        `${lines.join('\n')}\n${ok ? 'readyz check passed' : 'readyz check failed'}\n`,
      );
    }
    if (path === '/metrics') {
      void (async () => {
        try {
          const own = await opts.registry.metrics();
          const extra = (await opts.extraMetrics?.().catch(() => undefined)) ?? '';
          send(200, `${own}${extra ? `\n${extra}` : ''}`, opts.registry.contentType);
        } catch (err) {
          opts.logger.warn({ err: String(err) }, 'Collecting metrics failed');
          send(500, 'collecting metrics failed\n');
        }
      })();
      return;
    }
    send(404, 'not found: try /healthz, /readyz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ port }, 'Serving /healthz, /readyz and /metrics');
  return {
    port,
    addCheck: (check) => checks.push(check),
    stopping: () => {
      stopping = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
