// How the stack's object-storage servers start (./s3.ts, ./azurite.ts, ./fake-gcs.ts): each on a
// loopback address and port (a free one by default), with plain HTTP or, given a certificate, HTTPS, in a
// folder of its own under the work folder; one process under the stack's watchdog, ready once a probe of
// its own HTTP answer says so. Also the random tokens its names and keys are made of.
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { freePort } from '../../../src/net/free-port.js';
import { say, formatDuration } from '../log.js';
import { assertLoopback } from '../loopback.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../processes.js';
import type { StorageTool } from '../storage-tools.js';
import type { SelfSignedCert } from '../tls.js';

export interface StorageServerOptions {
  /** Folder for the server's data and log (a sub-folder per server is made in it). */
  workDir: string;
  /** Loopback address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Port; a free port on `host` by default. 443 (TLS mode) needs root or CAP_NET_BIND_SERVICE. */
  port?: number;
  /** Serve HTTPS with this certificate (it must name `host`, or the clients' host names); HTTP without. */
  tls?: SelfSignedCert;
  /** Seconds to wait for the server to be ready; 60 by default. */
  readyTimeoutSeconds?: number;
}

export interface StorageServer {
  /** `http(s)://host:port`. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** "minio v0.0.0-… (cache)", for messages. */
  readonly description: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Where a server listens and keeps its data and log. */
export interface Listen {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  endpoint: string;
  dir: string;
  dataDir: string;
  logFile: string;
}

/** The address, port and folders of the server `name` (its folder under `workDir`), made ready. */
export async function listen(name: string, opts: StorageServerOptions): Promise<Listen> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopback(host);
  const port = opts.port ?? (await freePort(host));
  const scheme = opts.tls ? 'https' : 'http';
  const dir = join(opts.workDir, name);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  return {
    host,
    port,
    scheme,
    endpoint: `${scheme}://${host}:${port}`,
    dir,
    dataDir,
    logFile: join(dir, `${name}.log`),
  };
}

/** Random letters and digits, for names and keys (no characters a URL or an env file would mangle). */
export function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** Starts the server's process and waits until the probe of `probePath` answers as `ready` says. */
export async function launch(
  tool: StorageTool,
  l: Listen,
  opts: StorageServerOptions,
  how: {
    args: string[];
    env: NodeJS.ProcessEnv;
    probePath: string;
    ready: (res: IncomingMessage) => boolean;
  },
): Promise<StorageServer> {
  const started = Date.now();
  const proc = startProcess({
    name: tool.name,
    command: tool.path,
    args: how.args,
    env: how.env,
    cwd: l.dir,
    logFile: l.logFile,
    graceSeconds: 5,
  });
  await waitUntilReady(
    proc,
    async () => {
      const res = await probe(`${l.endpoint}${how.probePath}`, opts.tls?.certPem);
      return res !== undefined && how.ready(res);
    },
    (opts.readyTimeoutSeconds ?? 60) * 1000,
    `${l.endpoint}${how.probePath}`,
  );
  const description = `${tool.name} ${tool.version} (${tool.source})`;
  say('storage', `${description} on ${l.endpoint}, ready in ${formatDuration(Date.now() - started)}`);
  return {
    endpoint: l.endpoint,
    host: l.host,
    port: l.port,
    dataDir: l.dataDir,
    logFile: l.logFile,
    description,
    process: proc,
    stop: () => proc.stop(),
  };
}

/**
 * One GET, bounded by a 2 s timeout; undefined when nothing answered. Over HTTPS the certificate chain
 * is checked against `ca`; the host name is not (the certificate may name only the clouds' hosts).
 */
function probe(url: string, ca: string | undefined): Promise<IncomingMessage | undefined> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      {
        timeout: 2000,
        ...(u.protocol === 'https:' ? { ca, checkServerIdentity: () => undefined } : {}),
      },
      (res) => {
        res.resume();
        resolve(res);
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
