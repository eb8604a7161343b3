// The S3 servers of the stack: MinIO and versitygw (Versity's S3 gateway), each with a root user made
// for this start or given (docs/storage-servers.md says why two).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../src/net/free-port.js';
import { resolveStorageTool } from '../storage-tools.js';
import { launch, listen, randomToken, type StorageServer, type StorageServerOptions } from './launch.js';

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
