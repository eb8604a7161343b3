// Which tables a restore's backup holds, read by the operator from the backup's manifests in storage with
// the credentials of the Secret the API names. A restore truncates only those (workflows/restore-tables.ts):
// Icarus itself truncates every current table of the selected keyspaces, backed up or not.
// Nothing read here leaves the activity but table names and a reason: never a credential.
import { nodeStorageLocation } from '../src/icarus/storage-location.js';
import { secretCredentials } from '../src/storage/credentials.js';
import { readBackupTables } from '../src/storage/backup-tables.js';
import { entitiesSelector, type ManifestFiles } from '../src/storage/manifest.js';
import { parseLocation } from '../src/storage/location.js';
import { StorageReadError, type StorageRefusal } from '../src/storage/object-store.js';
import { openStore } from '../src/storage/open-store.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RestoreSource } from '../src/contract/activity-io.js';
import type { BackupNodeRef } from '../src/contract/status.js';
import type { ActivityDeps } from './deps.js';

export interface BackupContentsInput {
  resource: ResourceKey;
  source: Pick<RestoreSource, 'storageLocation' | 'snapshotTag' | 'secretName'>;
  clusterName: string;
  /** The restored nodes; `source`: the backup node whose folder one reads when not its own. */
  nodes: { dc: string; hostId: string; source?: BackupNodeRef }[];
  insecure: boolean;
  /**
   * Also count, per node, the files and bytes a restore of it downloads: the tables these entities
   * select (all when empty), outside the system keyspaces (a verify's numbers).
   */
  countFiles?: { entities: string };
}

/** A node's files and bytes in its manifest of the backup. */
export type NodeFiles = { dc: string; hostId: string } & ManifestFiles;

export type BackupContents =
  | {
      known: true;
      tables: string[];
      manifests: number;
      /** With countFiles: every node whose folder holds a manifest of the backup, in the input's order. */
      nodes?: NodeFiles[];
    }
  /** `refusal`: the store answered that the Secret's credentials may not read, or that the bucket does not exist. */
  | {
      known: false;
      why: string;
      refusal?: StorageRefusal;
      /**
       * The store was read and holds other backups' manifests for these nodes, but none of this tag:
       * the tag is not in this location (names of up to 5 manifests found, and how many there are).
       */
      tagAbsent?: { found: string[]; count: number };
    };

export async function readBackupContents(
  deps: ActivityDeps,
  input: BackupContentsInput,
): Promise<BackupContents> {
  const { source, resource } = input;
  try {
    const secret = await deps.core.readNamespacedSecret({
      namespace: resource.namespace,
      name: source.secretName,
    });
    const credentials = secretCredentials(secret.data);
    const location = parseLocation(source.storageLocation);
    const folders = input.nodes.map((n) => {
      const nodeLocation = parseLocation(
        nodeStorageLocation(
          source.storageLocation,
          n.source ?? { cluster: input.clusterName, dc: n.dc, hostId: n.hostId },
        ),
      );
      return nodeLocation.prefix;
    });
    const store = openStore(location, credentials, { insecure: input.insecure });
    try {
      const found = await readBackupTables(
        store,
        folders,
        source.snapshotTag,
        input.countFiles ? entitiesSelector(input.countFiles.entities) : undefined,
      );
      if (found.manifests.length === 0) {
        return {
          known: false,
          why: `no manifest of ${source.snapshotTag} under ${source.storageLocation} for the restored node(s) (${found.missing.join(', ')})`,
          // Only when the folders hold other backups: the operator then sees what the nodes would read
          // (an empty listing may be a path only the nodes mount).
          ...(found.others.length
            ? { tagAbsent: { found: found.others.slice(0, 5), count: found.others.length } }
            : {}),
        };
      }
      deps.logger.info(
        { ...resource, manifests: found.manifests.length, tables: found.tables.length },
        'Read the backup’s tables from its manifests',
      );
      const files = found.files;
      const nodes = files
        ? input.nodes.flatMap((n, i) => {
            const counted = files[folders[i] ?? ''];
            return counted ? [{ dc: n.dc, hostId: n.hostId, ...counted }] : [];
          })
        : undefined;
      return {
        known: true,
        tables: found.tables,
        manifests: found.manifests.length,
        ...(nodes ? { nodes } : {}),
      };
    } finally {
      store.close();
    }
  } catch (err) {
    const why = `${(err as Error).name === 'StorageReadError' ? '' : `${(err as Error).name}: `}${(err as Error).message}`;
    deps.logger.warn({ ...resource, why }, 'Could not read the backup’s manifests');
    const refusal = err instanceof StorageReadError ? err.refusal : undefined;
    return { known: false, why, ...(refusal ? { refusal } : {}) };
  }
}
