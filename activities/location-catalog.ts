// A storage location's catalog (src/storage/backup-catalog.ts), read with the credentials of the Secret a
// resource names: what a CassandraBackupSync lists and what an imported CassandraBackup is checked
// against. Read only. A problem is a PlanError whose reason says what to fix; only names and the
// store's own words leave here, never a credential.
import { checkCredentials } from '../src/kube/credentials.js';
import { PlanError } from '../src/kube/plan-error.js';
import { readCatalog, type Catalog, type CatalogOptions } from '../src/storage/backup-catalog.js';
import { secretCredentials } from '../src/storage/credentials.js';
import { parseLocation, type ParsedLocation } from '../src/storage/location.js';
import { StorageReadError } from '../src/storage/object-store.js';
import { openStore } from '../src/storage/open-store.js';
import type { ActivityDeps } from './deps.js';

/** The spec fields that say where and with what (a CassandraBackupSync's, an imported backup's). */
export interface LocationSource {
  storageLocation: string;
  secretName: string;
  insecure?: boolean;
}

/**
 * The folder the cluster folders are in: the bucket's root, or for `proto://bucket/cluster/dc/node` (a
 * node's own location, as Icarus takes it) the part before those three.
 */
export function catalogRoot(location: ParsedLocation): string {
  if (location.protocol === 'file') return location.prefix;
  const parts = location.prefix.split('/').filter(Boolean);
  return parts.length >= 3 ? parts.slice(0, -3).join('/') : parts.join('/');
}

export async function readLocationCatalog(
  deps: ActivityDeps,
  namespace: string,
  source: LocationSource,
  opts: CatalogOptions = {},
): Promise<Catalog> {
  const { storageLocation, secretName } = source;
  await checkCredentials(deps.core, namespace, secretName, storageLocation);
  const secret = await deps.core.readNamespacedSecret({ namespace, name: secretName });
  let location: ParsedLocation;
  try {
    location = parseLocation(storageLocation);
  } catch (err) {
    throw new PlanError('InvalidStorageLocation', (err as Error).message);
  }
  try {
    const store = openStore(location, secretCredentials(secret.data), { insecure: source.insecure ?? false });
    try {
      return await readCatalog(store, catalogRoot(location), opts);
    } finally {
      store.close();
    }
  } catch (err) {
    if (err instanceof PlanError) throw err;
    if (!(err instanceof StorageReadError)) {
      // Credentials the store's client cannot use (a gcp key that is no service account): said where
      // the user looks, with the client's words (which name the problem, never the value).
      throw new PlanError(
        'StorageAccessDenied',
        `could not use the credentials of Secret ${secretName} for ${storageLocation}: ${(err as Error).message}`,
      );
    }
    if (err.refusal === 'denied') {
      throw new PlanError(
        'StorageAccessDenied',
        `the storage refused the credentials of Secret ${secretName}: ${err.message}. Give them list and read access to ${storageLocation}`,
      );
    }
    if (err.refusal === 'no-bucket') {
      throw new PlanError(
        'BucketNotFound',
        `${storageLocation} does not exist: ${err.message}. Fix spec.storageLocation (or the Secret's account or endpoint)`,
      );
    }
    const hint =
      location.protocol === 'file'
        ? ": the operator reads a file:// location in its own file system (mount the folder into the operator's Pod at the same path)"
        : '';
    throw new PlanError(
      'StorageUnreachable',
      `could not list ${storageLocation}: ${err.message}${hint}; trying again`,
      true,
    );
  }
}
