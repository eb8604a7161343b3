// Real object-storage servers on loopback, one process each under the stack's watchdog (they never
// outlive their owner): MinIO and versitygw for the S3 API, Azurite for Azure Blob, fake-gcs-server for
// Google Cloud Storage. By default each listens with plain HTTP on 127.0.0.1 and a free port. The TLS
// mode (a certificate from tls.ts, a given loopback address, port 443) is what the real tier's JVM
// needs to reach them under the clouds' own host names (docs/storage-servers.md).
//
// Credentials are made per start (random; an S3 server may be given its root keys instead) and handed
// to the caller only: never put in an argument (ps shows those), a log line or an error message.
import { randomBytes, randomInt } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { freePort } from '../../src/net/free-port.js';
import { say, formatDuration } from './log.js';
import { assertLoopback } from './loopback.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './processes.js';
import { resolveStorageTool, type StorageTool } from './storage-tools.js';
import type { SelfSignedCert } from './tls.js';

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

/** An S3 server's root user. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3ServerOptions extends StorageServerOptions {
  /** The root user's keys; made for this start by default (`newS3Credentials()`). */
  credentials?: S3Credentials;
}

export interface S3Server extends StorageServer {
  /** The server's region: the one the SDKs must sign for. */
  readonly region: 'us-east-1';
  /** The root user's keys, made for this start unless given. */
  readonly credentials: S3Credentials;
}

export type MinioServer = S3Server;
export type VersityGwServer = S3Server;

export interface AzuriteServer extends StorageServer {
  readonly accountName: string;
  /** Base64 account key, made for this start. */
  readonly accountKey: string;
  /** Path-style blob service URL: `<endpoint>/<accountName>`. */
  readonly blobEndpoint: string;
  /** A connection string for the Azure SDKs (it holds the key: never log it). */
  connectionString(): string;
}

export interface FakeGcsServer extends StorageServer {
  /** fake-gcs-server accepts any credentials, or none: there is nothing to hand out. */
  readonly credentials: null;
}

interface Listen {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  endpoint: string;
  dir: string;
  dataDir: string;
  logFile: string;
}

async function listen(name: string, opts: StorageServerOptions): Promise<Listen> {
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

/** Random S3 root keys: an access key id of 20 characters and a secret key of 40. */
export function newS3Credentials(): S3Credentials {
  return { accessKeyId: `cbo${randomToken(17)}`, secretAccessKey: randomToken(40) };
}

/**
 * MinIO (single drive) with a root user made for this start, or the given one (two S3 servers that one
 * client reaches, like the real tier's esop sidecar, need the same keys). `domains` turns on
 * virtual-host-style requests (`<bucket>.<domain>`), e.g. `s3.amazonaws.com` for the real tier's esop
 * 3.x client.
 */
export async function startMinio(opts: S3ServerOptions & { domains?: string[] }): Promise<MinioServer> {
  const tool = await resolveStorageTool('minio');
  const l = await listen('minio', opts);
  const credentials = opts.credentials ?? newS3Credentials();
  const args = [
    'server',
    '--address',
    `${l.host}:${l.port}`,
    '--console-address',
    `${l.host}:${await freePort(l.host)}`,
    // "Hide sensitive information from logging": this version's banner prints no keys anyway (checked,
    // and test/storage checks the log), but a later one or an error path might.
    '--anonymous',
  ];
  if (opts.tls) {
    const certs = join(l.dir, 'certs');
    mkdirSync(certs, { recursive: true });
    copyFileSync(opts.tls.certFile, join(certs, 'public.crt'));
    copyFileSync(opts.tls.keyFile, join(certs, 'private.key'));
    args.push('--certs-dir', certs);
  } else {
    // Never the default ~/.minio/certs: plain HTTP is asked for.
    args.push('--certs-dir', join(l.dir, 'no-certs'));
  }
  args.push(l.dataDir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MINIO_ROOT_USER: credentials.accessKeyId,
    MINIO_ROOT_PASSWORD: credentials.secretAccessKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CI_CD: '1',
  };
  if (opts.domains?.length) env.MINIO_DOMAIN = opts.domains.join(',');
  return {
    ...(await launch(tool, l, opts, {
      args,
      env,
      // Ready when MinIO says so on its own health endpoint (200 only once the drive is ready).
      ready: (res) => res.statusCode === 200,
      probePath: '/minio/health/ready',
    })),
    region: 'us-east-1',
    credentials,
  };
}

/**
 * versitygw's health route: a GET answered 200 without authentication once the S3 API listens. An
 * underscore is in no valid bucket name, so no path-style bucket request is taken for it.
 */
const VERSITYGW_HEALTH_PATH = '/_health';

/**
 * versitygw (Versity's S3 gateway) on its posix backend — a bucket is a folder of `dataDir`, an object
 * a file, its metadata in extended attributes (`user.*`, which the file system must support) — with a
 * root user made for this start, or the given one. `virtualDomain` turns on virtual-host-style requests
 * (`<bucket>.<virtualDomain>`, one domain), e.g. `s3.amazonaws.com` for the real tier's esop 3.x
 * client; path-style requests are served either way. Unlike MinIO it accepts every storage class
 * (`STANDARD_IA`, which esop 3.0.1 sends), and stores each object as STANDARD.
 *
 * One gateway takes one virtual domain. For a second (Amazon S3 answers us-east-1 under
 * `s3.amazonaws.com` and `s3.us-east-1.amazonaws.com`), start a second gateway on the first one's
 * `dataDir`, with the same keys and its own `folder`: versitygw gateways share a file system by design.
 */
export async function startVersityGw(
  opts: S3ServerOptions & {
    virtualDomain?: string;
    /** Serve the buckets of this folder (another gateway's `dataDir`) instead of a new one. */
    dataDir?: string;
    /** Its folder under `workDir` (log, IAM store): `versitygw` by default, one per gateway. */
    folder?: string;
  },
): Promise<VersityGwServer> {
  const tool = await resolveStorageTool('versitygw');
  const listened = await listen(opts.folder ?? 'versitygw', opts);
  const l = { ...listened, dataDir: opts.dataDir ?? listened.dataDir };
  const credentials = opts.credentials ?? newS3Credentials();
  // Its own IAM store (a users.json with no user but the root): with none, versitygw answers an
  // unknown access key with 404 XAdminUserNotFound; with one, with S3's 403 InvalidAccessKeyId.
  const iamDir = join(l.dir, 'iam');
  mkdirSync(iamDir, { recursive: true });
  const args = [
    '--port',
    `${l.host}:${l.port}`,
    '--iam-dir',
    iamDir,
    '--health',
    VERSITYGW_HEALTH_PATH,
    ...(opts.tls ? ['--cert', opts.tls.certFile, '--key', opts.tls.keyFile] : []),
    ...(opts.virtualDomain ? ['--virtual-domain', opts.virtualDomain] : []),
    'posix',
    l.dataDir,
  ];
  return {
    ...(await launch(tool, l, opts, {
      args,
      env: {
        ...process.env,
        // The root user, by environment only (versitygw also takes --access/--secret: ps would show them).
        ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
        ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        VGW_REGION: 'us-east-1',
      },
      probePath: VERSITYGW_HEALTH_PATH,
      ready: (res) => res.statusCode === 200,
    })),
    region: 'us-east-1',
    credentials,
  };
}

/** Azurite's blob service with one storage account made for this start (the default devstoreaccount1 is off). */
export async function startAzurite(opts: StorageServerOptions): Promise<AzuriteServer> {
  const tool = await resolveStorageTool('azurite');
  const l = await listen('azurite', opts);
  const accountName = `cbo${randomToken(12)}`;
  const accountKey = randomBytes(64).toString('base64');
  const args = [
    '--blobHost',
    l.host,
    '--blobPort',
    String(l.port),
    '--location',
    l.dataDir,
    '--disableTelemetry',
    // Newer SDKs (the tests' @azure/storage-blob) send API versions newer than this Azurite knows.
    '--skipApiVersionCheck',
    ...(opts.tls ? ['--cert', opts.tls.certFile, '--key', opts.tls.keyFile] : []),
  ];
  const server = await launch(tool, l, opts, {
    args,
    env: { ...process.env, AZURITE_ACCOUNTS: `${accountName}:${accountKey}` },
    // Azurite has no health endpoint: an unsigned request answered by Azurite itself (403) is the sign.
    probePath: `/${accountName}?comp=list`,
    ready: (res) => String(res.headers.server ?? '').startsWith('Azurite-Blob'),
  });
  const blobEndpoint = `${server.endpoint}/${accountName}`;
  return {
    ...server,
    accountName,
    accountKey,
    blobEndpoint,
    connectionString: () =>
      `DefaultEndpointsProtocol=${l.scheme};AccountName=${accountName};AccountKey=${accountKey};BlobEndpoint=${blobEndpoint};`,
  };
}

/**
 * fake-gcs-server (filesystem backend) serving the GCS JSON and XML APIs. `publicHost` is the host name
 * it takes for host-style requests (`storage.googleapis.com` by default) and `externalUrl` the URL it puts
 * in upload `Location` headers (its own endpoint by default).
 */
export async function startFakeGcs(
  opts: StorageServerOptions & { publicHost?: string; externalUrl?: string },
): Promise<FakeGcsServer> {
  const tool = await resolveStorageTool('fake-gcs-server');
  const l = await listen('fake-gcs-server', opts);
  const args = [
    '-scheme',
    l.scheme,
    '-host',
    l.host,
    '-port',
    String(l.port),
    '-backend',
    'filesystem',
    '-filesystem-root',
    l.dataDir,
    '-external-url',
    opts.externalUrl ?? l.endpoint,
    '-public-host',
    opts.publicHost ?? 'storage.googleapis.com',
    '-log-level',
    'warn',
    ...(opts.tls ? ['-cert-location', opts.tls.certFile, '-private-key-location', opts.tls.keyFile] : []),
  ];
  return {
    ...(await launch(tool, l, opts, {
      args,
      env: process.env,
      // A real request: listing the buckets through the JSON API.
      probePath: '/storage/v1/b',
      ready: (res) => res.statusCode === 200,
    })),
    credentials: null,
  };
}

async function launch(
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
