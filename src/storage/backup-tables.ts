// The tables a backup holds, from its manifests in storage: for each node folder, the manifest esop would
// restore from (newest match of the tag), and the union of their tables; and, when asked, what a restore
// of each downloads (files and bytes).
import { latestManifest, manifestSummary, manifestTables, type ManifestFiles } from './manifest.js';
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
  /**
   * With `selected`: per node folder with a manifest, the files and bytes a restore of it downloads
   * (the tables `selected` keeps).
   */
  files?: Record<string, ManifestFiles>;
}

export async function readBackupTables(
  store: ObjectStore,
  nodeFolders: readonly string[],
  snapshotTag: string,
  selected?: (table: string) => boolean,
): Promise<BackupTables> {
  const files: Record<string, ManifestFiles> = {};
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
    const json = await store.read(name);
    for (const t of manifestTables(json, name)) tables.add(t);
    if (selected) {
      const { files: count, bytes } = manifestSummary(json, name, selected);
      files[folder] = { files: count, bytes };
    }
  }
  return {
    tables: [...tables].sort(),
    manifests,
    missing,
    others: [...others].sort(),
    ...(selected ? { files } : {}),
  };
}
