// A provider's round trip on the Icarus 2.x tier (../icarus2-tier.ts), as
// test/real-tier/icarus2-secret.test.ts checks it: the provider's rows, in keyspaces of its own; what
// each node's sidecar was asked (every request naming the Secret); its backup's requests and layout in
// the bucket; and the rows damaged, a HARDLINKS restore of that backup, and every row back.
import assert from 'node:assert/strict';
import { CLUSTER, type Icarus2Tier, type Provider, type SidecarOperation } from '../icarus2-tier.js';
import { uniqueName } from '../stack-env.js';
import { decided, succeeded } from '../custom-resources.js';
import {
  assertIcarusLayout,
  assertPhasesCompleted,
  assertRowsBack,
  rowsOf as rowsOfCount,
} from '../real-tier/round-trip.js';

export const ROWS_PER_TABLE = 500;

/** Each provider's rows live in keyspaces of its own: its backup and its restore touch only those. */
export const tablesOf = (provider: Provider) =>
  [`icarus2_${provider}_a.orders`, `icarus2_${provider}_b.events`] as const;
export const entitiesOf = (provider: Provider) => `icarus2_${provider}_a,icarus2_${provider}_b`;
export const rowsOf = (provider: Provider, table: string) => rowsOfCount(provider, table, ROWS_PER_TABLE);

/** Each node's operations of a type for one snapshot tag, every one of them naming the Secret. */
export async function operationsOf(
  tier: Icarus2Tier,
  type: 'backup' | 'restore',
  tag: string,
  secretName: string,
): Promise<SidecarOperation[][]> {
  const perNode = (await tier.sidecarOperations(type)).map(({ ops }) =>
    ops.filter((op) => op.snapshotTag === tag),
  );
  for (const op of perNode.flat()) {
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op));
    assert.equal(op.k8sNamespace, tier.namespace);
    assert.equal(op.k8sSecretName, secretName);
  }
  return perNode;
}

/**
 * Every request of the backup on both nodes names the Secret (one node also sent the topology), and
 * the bucket, listed through the storage server itself, holds Icarus's layout: each node's folder
 * <cluster>/<dc>/<hostId>/ with data/ and manifests/<tag>.json, one topology/<tag>.json, nothing else.
 */
export async function checkBackup(tier: Icarus2Tier, provider: Provider, tag: string): Promise<string> {
  const sent = await operationsOf(tier, 'backup', tag, tier.stores[provider].secretName);
  assert.deepEqual(
    sent.map((ops) => ops.length).sort(),
    [1, 2],
    `each node's backup, and one topology request: ${JSON.stringify(sent)}`,
  );
  if (provider === 's3') {
    // COPY, the default: a first backup into an empty bucket never copies an object onto itself
    // (each freshen answers 404, then the file is uploaded) and the topology step freshens nothing
    // again (skipRefreshing), so MinIO's refusal (top of the test file) is never met.
    assert.deepEqual(new Set(sent.flat().map((op) => op.metadataDirective)), new Set(['COPY']));
  }
  const keys = await tier.list(provider);
  assert.deepEqual(
    keys.filter((k) => k.startsWith('topology/')),
    [`topology/${tag}.json`],
    'one topology file',
  );
  assertIcarusLayout(keys, CLUSTER, tier.nodes, tag, tablesOf(provider));
  return `${keys.length} objects in ${tier.stores[provider].location}`;
}

/** The rows damaged, a HARDLINKS restore of the provider's backup → Succeeded, every row back. */
export async function restoreRoundTrip(
  tier: Icarus2Tier,
  provider: Provider,
  backup: { name: string; tag: string } | undefined,
  log: (line: string) => void,
): Promise<void> {
  assert.ok(backup, `the backup to ${provider} did not succeed`);
  const { target, restores } = tier;
  const t0 = Date.now();
  // A bad day: one table emptied, the other left with a fifth of its rows, all with wrong values.
  const [emptied, overwritten] = tablesOf(provider);
  await target.loseRows(emptied);
  await target.putRows(
    overwritten,
    rowsOf(provider, overwritten)
      .slice(0, ROWS_PER_TABLE / 5)
      .map((r) => ({ ...r, v: 'damaged' })),
  );
  assert.equal((await target.rows(emptied)).length, 0);
  assert.equal((await target.rows(overwritten)).length, ROWS_PER_TABLE / 5);
  const t1 = Date.now();

  const restore = uniqueName(`${provider}-restore`);
  await restores.create(restore, {
    cassandraCluster: CLUSTER,
    cassandraBackup: backup.name,
    entities: entitiesOf(provider),
    restorationStrategyType: 'HARDLINKS',
  });
  const restored = await restores.waitFor(restore, 'Succeeded decided', decided);
  assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
  assertPhasesCompleted(restored);
  // The operator read both nodes' manifests itself, from the same server through the same Secret,
  // and named the backup's two tables to every phase.
  const read = await restores.waitForEvent(restore, 'BackupTablesRead', 'Normal');
  assert.match(read.message, /^The backup holds 2 table\(s\) \(2 manifest\(s\) read\)/);
  // Each node: DOWNLOAD, IMPORT (hard links + loadNewSSTables), CLEANUP, from the provider's bucket
  // with its Secret; TRUNCATE once, on one node.
  const sent = await operationsOf(tier, 'restore', backup.tag, tier.stores[provider].secretName);
  for (const op of sent.flat()) {
    const location = String(op.storageLocation);
    assert.ok(location.startsWith(`${tier.stores[provider].location}/`), location);
  }
  const phases = sent.map((ops) =>
    ops.map((op) => `${String(op.restorationPhase)} ${String(op.restorationStrategyType)}`).sort(),
  );
  const each = ['CLEANUP HARDLINKS', 'DOWNLOAD HARDLINKS', 'IMPORT HARDLINKS'];
  assert.deepEqual(
    phases.map((p) => p.filter((x) => !x.startsWith('TRUNCATE'))),
    [each, each],
  );
  assert.deepEqual(
    phases.flat().filter((x) => x.startsWith('TRUNCATE')),
    ['TRUNCATE HARDLINKS'],
  );
  const counts = await assertRowsBack(target, provider, tablesOf(provider), ROWS_PER_TABLE);
  log(
    `${provider}: rows back after the HARDLINKS restore: ${counts.join(', ')}; ` +
      `damage ${t1 - t0} ms, restore ${Date.now() - t1} ms`,
  );
}
