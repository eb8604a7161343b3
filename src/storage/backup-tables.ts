// The tables a backup holds, from its manifests in storage: for each node folder, the manifest esop would
// restore from (newest match of the tag), and the union of their tables.
import { latestManifest, manifestTables } from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface BackupTables {
  /** `ks.table`, sorted, outside the system keyspaces. */
  tables: string[];
  /** The manifests read (object names). */
  manifests: string[];
  /** Node folders with no manifest of the tag. */
  missing: string[];
  /** The manifests of other backups in those folders (names without their folder), sorted. */
  others: string[];
}

export async function readBackupTables(
  store: ObjectStore,
  nodeFolders: readonly string[],
  snapshotTag: string,
): Promise<BackupTables> {
  const tables = new Set<string>();
  const manifests: string[] = [];
  const missing: string[] = [];
  const others = new Set<string>();
  for (const folder of nodeFolders) {
    const prefix = folder ? `${folder}/manifests/` : 'manifests/';
    const listed = await store.list(prefix);
    const name = latestManifest(listed, snapshotTag);
    if (!name) {
      missing.push(folder);
      for (const key of listed) if (key.endsWith('.json')) others.add(key.slice(key.lastIndexOf('/') + 1));
      continue;
    }
    manifests.push(name);
    for (const t of manifestTables(await store.read(name), name)) tables.add(t);
  }
  return { tables: [...tables].sort(), manifests, missing, others: [...others].sort() };
}
