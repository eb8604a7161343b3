// Azure Blob through its SDK, at https://<account>.blob.core.windows.net (http:// with spec.insecure), the
// only endpoint esop's Azure client knows; the account and key are the Secret's.
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { SecretCredentials } from './credentials.js';
import { STORE_REQUEST_TIMEOUT_MS, StorageReadError, folderName, type ObjectStore } from './object-store.js';

export interface AzureStoreOptions {
  container: string;
  credentials: SecretCredentials;
  insecure: boolean;
}

export function azureStore(opts: AzureStoreOptions): ObjectStore {
  const account = opts.credentials.azurestorageaccount;
  const key = opts.credentials.azurestoragekey;
  if (!account || !key) {
    throw new StorageReadError('the Secret lacks azurestorageaccount or azurestoragekey', 'denied');
  }
  const service = new BlobServiceClient(
    `${opts.insecure ? 'http' : 'https'}://${account}.blob.core.windows.net`,
    new StorageSharedKeyCredential(account, key),
    { retryOptions: { maxTries: 3, tryTimeoutInMs: STORE_REQUEST_TIMEOUT_MS } },
  );
  const container = service.getContainerClient(opts.container);
  const where = `azure://${opts.container}`;
  return {
    async list(prefix) {
      const keys: string[] = [];
      try {
        for await (const blob of container.listBlobsFlat({ prefix })) keys.push(blob.name);
      } catch (err) {
        throw failure(err, `listing ${where}/${prefix}`);
      }
      return keys;
    },
    async folders(prefix) {
      const names: string[] = [];
      try {
        for await (const item of container.listBlobsByHierarchy('/', { prefix })) {
          if (item.kind === 'prefix') names.push(folderName(prefix, item.name));
        }
      } catch (err) {
        throw failure(err, `listing ${where}/${prefix}`);
      }
      return names;
    },
    async read(key) {
      try {
        return (await container.getBlobClient(key).downloadToBuffer()).toString('utf8');
      } catch (err) {
        throw failure(err, `reading ${where}/${key}`);
      }
    },
    close: () => undefined,
  };
}

function failure(err: unknown, what: string): StorageReadError {
  if (err instanceof RestError) {
    const first = err.message.split('\n')[0] ?? err.message;
    return new StorageReadError(
      `${what}: ${err.code ?? 'error'}${err.statusCode ? ` (HTTP ${err.statusCode})` : ''}: ${first}`,
      err.statusCode === 401 || err.statusCode === 403
        ? 'denied'
        : err.code === 'ContainerNotFound'
          ? 'no-bucket'
          : undefined,
    );
  }
  return new StorageReadError(`${what}: ${(err as Error).message}`);
}
