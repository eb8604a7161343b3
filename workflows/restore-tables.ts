// What a restore sends Icarus as `entities`, given what the backup holds. Icarus truncates every current
// table of the keyspaces it is given (all non-system keyspaces when given none), backed up or not, and
// CLEANUP then deletes the truncated files: a table created after the backup would lose its rows for
// good. Given the backup's own tables by name, it truncates and imports exactly those.
// Pure and deterministic: the workflow calls it.

export type TableSelection =
  | { ok: true; entities: string; tables: string[] }
  | { ok: false; reason: 'EntitiesNotInBackup'; message: string };

const split = (s: string) =>
  s
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

/**
 * `specEntities`: the restore's `spec.entities` (keyspaces or `ks.table`s, never mixed: the CRD checks);
 * `backupTables`: `ks.table` of every non-system table in the backup's manifests.
 */
export function selectRestoreTables(specEntities: string, backupTables: readonly string[]): TableSelection {
  const wanted = split(specEntities);
  const inBackup = new Set(backupTables);
  const keyspacesOfBackup = [...new Set(backupTables.map((t) => t.split('.')[0] ?? ''))].sort();
  const holds = keyspacesOfBackup.length
    ? keyspacesOfBackup.join(', ')
    : 'no table outside the system keyspaces';
  let tables: string[];
  if (wanted.length === 0) {
    tables = [...backupTables];
  } else if (wanted.every((e) => e.includes('.'))) {
    const absent = wanted.filter((t) => !inBackup.has(t));
    if (absent.length) {
      return {
        ok: false,
        reason: 'EntitiesNotInBackup',
        message: `spec.entities names ${absent.join(', ')}, which the backup does not hold (its keyspaces: ${holds}); nothing was truncated`,
      };
    }
    tables = wanted;
  } else {
    const absent = wanted.filter((ks) => !keyspacesOfBackup.includes(ks));
    if (absent.length) {
      return {
        ok: false,
        reason: 'EntitiesNotInBackup',
        message: `spec.entities names keyspace(s) ${absent.join(', ')}, which the backup does not hold (its keyspaces: ${holds}); nothing was truncated`,
      };
    }
    tables = backupTables.filter((t) => wanted.includes(t.split('.')[0] ?? ''));
  }
  if (tables.length === 0) {
    return {
      ok: false,
      reason: 'EntitiesNotInBackup',
      message: `the backup holds ${holds}: there is nothing to restore`,
    };
  }
  const sorted = [...new Set(tables)].sort();
  return { ok: true, entities: sorted.join(','), tables: sorted };
}
