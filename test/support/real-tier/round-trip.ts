// What the real tier's storage files (test/real-tier/cloud-storage.test.ts, icarus2-secret.test.ts)
// check of a backup → restore round trip through object storage: the rows written and read back,
// Icarus's layout in the bucket as the storage server lists it, and a restore's four phases.
import assert from 'node:assert/strict';
import type { CassandraRestore } from '../../../src/kube/api/resources.js';
import type { ContractNode, ContractTarget } from '../../contract/targets.js';

/** `count` rows of a table, each value naming the provider and the table. */
export const rowsOf = (provider: string, table: string, count: number) =>
  Array.from({ length: count }, (_, id) => ({ id, v: `${provider}:${table}:${id}` }));

export const byId = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => Number(a.id) - Number(b.id));

/**
 * Icarus's layout in the bucket's `keys` (the topology file is the caller's to check): each node's
 * folder <cluster>/<dc>/<hostId>/ with manifests/<tag>.json and, under data/, a Data.db of each table;
 * nothing outside those folders and topology/.
 */
export function assertIcarusLayout(
  keys: string[],
  cluster: string,
  nodes: ContractNode[],
  tag: string,
  tables: readonly string[],
): void {
  const nodeDirs = nodes.map((n) => `${cluster}/${n.dc}/${n.hostId}/`);
  for (const nodeDir of nodeDirs) {
    assert.ok(
      keys.includes(`${nodeDir}manifests/${tag}.json`),
      `no manifest of ${nodeDir} in ${JSON.stringify(keys)}`,
    );
    // Each node holds its own share of the rows (replication factor 1): a Data.db of each table.
    for (const table of tables) {
      const [ks, name] = table.split('.');
      assert.ok(
        keys.some((k) => k.startsWith(`${nodeDir}data/${ks}/${name}-`) && k.endsWith('-Data.db')),
        `no Data.db of ${table} under ${nodeDir}data/ in ${JSON.stringify(keys)}`,
      );
    }
  }
  const stray = keys.filter((k) => !nodeDirs.some((d) => k.startsWith(d)) && !k.startsWith('topology/'));
  assert.deepEqual(stray, [], 'objects outside Icarus’s layout');
}

/** The restore went through DOWNLOAD, TRUNCATE, IMPORT and CLEANUP, each COMPLETED. */
export function assertPhasesCompleted(restore: CassandraRestore): void {
  assert.deepEqual(
    restore.status?.phases?.map((p) => [p.name, p.state]),
    [
      ['DOWNLOAD', 'COMPLETED'],
      ['TRUNCATE', 'COMPLETED'],
      ['IMPORT', 'COMPLETED'],
      ['CLEANUP', 'COMPLETED'],
    ],
  );
}

/** Every row of each table is back as written (rowsOf); "<table> <rows>" of each, for the log. */
export async function assertRowsBack(
  target: ContractTarget,
  provider: string,
  tables: readonly string[],
  count: number,
): Promise<string[]> {
  const counts: string[] = [];
  for (const table of tables) {
    const back = byId(await target.rows(table));
    counts.push(`${table} ${back.length}`);
    assert.equal(back.length, count, `${table}: rows back`);
    assert.deepEqual(back, rowsOf(provider, table, count));
  }
  return counts;
}
