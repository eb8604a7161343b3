// Azurite, the stack's Azure Blob server, with one storage account made for this start.
import { randomBytes } from 'node:crypto';
import { resolveStorageTool } from '../storage-tools.js';
import { launch, listen, randomToken, type StorageServer, type StorageServerOptions } from './launch.js';

export interface AzuriteServer extends StorageServer {
  readonly accountName: string;
  /** Base64 account key, made for this start. */
  readonly accountKey: string;
  /** Path-style blob service URL: `<endpoint>/<accountName>`. */
  readonly blobEndpoint: string;
  /** A connection string for the Azure SDKs (it holds the key: never log it). */
  connectionString(): string;
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
