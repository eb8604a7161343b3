// The Icarus contract, its backups and restores: what our request builders rely on. A backup lands in
// Icarus's remote layout (manifests, the topology file), a phased restore brings lost rows back, TRUNCATE
// empties what it is given, a tag with no backup fails in DOWNLOAD, so do files deleted from storage or
// changed there (esop's SHA-256 check, what a verify relies on), and remove-backup removes one backup
// from every node's folder. Runs against the simulator in `npm test`; the same tests are meant for the
// real Icarus API (docs/icarus.md, "Real tier").
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { clusterId, removeBackupRequest } from '../../src/icarus/requests.js';
import { rows, startIcarusContract, type IcarusContract } from '../support/icarus-contract.js';
import type { ContractNode, ContractTarget } from './targets.js';

let target: ContractTarget;
/** A node's folder in the file:// bucket, and the object keys of its manifest of a backup. */
const nodeDir = (n: ContractNode) => join(target.bucketDir, clusterId(n.cluster), n.dc, n.hostId);
const manifest = (n: ContractNode, tag: string) => join(nodeDir(n), 'manifests', `${tag}.json`);
const files = (n: ContractNode, tag: string): string[] => {
  const m = JSON.parse(readFileSync(manifest(n, tag), 'utf8')) as {
    snapshot: {
      keyspaces: Record<
        string,
        { tables: Record<string, { sstables: Record<string, { objectKey: string }[]> }> }
      >;
    };
  };
  return Object.values(m.snapshot.keyspaces).flatMap(({ tables }) =>
    Object.values(tables).flatMap((t) => Object.values(t.sstables).flatMap((e) => e.map((x) => x.objectKey))),
  );
};
let client: IcarusContract['client'];
let finished: IcarusContract['finished'];
let backupAll: IcarusContract['backupAll'];
let restorePhase: IcarusContract['restorePhase'];

before(async () => {
  ({ target, client, finished, backupAll, restorePhase } = await startIcarusContract());
});
after(() => target?.stop());

test('a backup of tables holding rows completes on every node, in Icarus’s remote layout', async () => {
  await target.putRows('shop.orders', rows);
  const { resolvedTag, ops } = await backupAll({ entities: 'shop' }, 'contract-backup');
  for (const op of ops) {
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
    assert.equal(op.progress, 1);
    assert.ok(op.completionTime);
    assert.equal(op.snapshotTag, resolvedTag, 'the request is unwrapped into the operation');
  }
  for (const node of target.nodes) {
    const manifest = join(
      target.bucketDir,
      clusterId(node.cluster),
      node.dc,
      node.hostId,
      'manifests',
      `${resolvedTag}.json`,
    );
    assert.ok(existsSync(manifest), `no manifest at ${manifest}`);
  }
});

test('a restore of a tag with no backup fails in DOWNLOAD with Icarus’s message', async () => {
  const [op] = await restorePhase('DOWNLOAD', 'no-such-backup', {}, target.nodes.slice(0, 1));
  assert.equal(op?.state, 'FAILED');
  assert.ok(
    op?.errors?.some((e) => e.message === 'There is no manifest requested found.'),
    JSON.stringify(op?.errors),
  );
});

test('a phased restore (DOWNLOAD, TRUNCATE on one node, IMPORT, CLEANUP) brings lost rows back', async () => {
  await target.putRows('shop.orders', rows);
  const { resolvedTag } = await backupAll({ entities: 'shop.orders' }, 'contract-restore');
  await target.loseRows('shop.orders');
  assert.deepEqual(await target.rows('shop.orders'), []);

  const entities = { entities: 'shop.orders' };
  for (const op of await restorePhase('DOWNLOAD', resolvedTag, entities))
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
  // Truncation is cluster-wide: one node does it for all.
  for (const op of await restorePhase('TRUNCATE', resolvedTag, entities, target.nodes.slice(0, 1)))
    assert.equal(op.state, 'COMPLETED');
  for (const op of await restorePhase('IMPORT', resolvedTag, entities))
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
  for (const op of await restorePhase('CLEANUP', resolvedTag, entities)) assert.equal(op.state, 'COMPLETED');

  const back = (await target.rows('shop.orders')).sort((a, b) => Number(a.id) - Number(b.id));
  console.log(`[${target.name}] rows restored into shop.orders: ${JSON.stringify(back)}`);
  assert.deepEqual(back, rows);
});

test('a DOWNLOAD of files deleted from storage or changed there fails with esop’s message naming each', async () => {
  // What a verify (mode Verify) reads as BackupVerificationFailed: one object gone, one byte flipped.
  await target.putRows('verify.items', rows);
  await target.putRows('verify.more', rows);
  const { resolvedTag } = await backupAll({ entities: 'verify' }, 'contract-verify');
  const entities = { entities: 'verify.items,verify.more' };
  const [node] = target.nodes;
  assert.ok(node);
  const [intact] = await restorePhase('DOWNLOAD', resolvedTag, entities, [node]);
  assert.equal(intact?.state, 'COMPLETED', JSON.stringify(intact?.errors));
  // esop only re-hashes a file it finds downloaded: the folder emptied first, as a verify's own is.
  for (const op of await restorePhase('CLEANUP', resolvedTag, entities, [node]))
    assert.equal(op.state, 'COMPLETED');

  const keys = files(node, resolvedTag);
  const gone = keys.find((k) => k.includes('/items-') && k.endsWith('-Data.db'));
  const changed = keys.find((k) => k.includes('/more-') && k.endsWith('-Data.db'));
  assert.ok(gone && changed, `a Data.db of each table in ${JSON.stringify(keys)}`);
  rmSync(join(nodeDir(node), gone));
  const bytes = readFileSync(join(nodeDir(node), changed));
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  writeFileSync(join(nodeDir(node), changed), bytes);

  const [damaged] = await restorePhase('DOWNLOAD', resolvedTag, entities, [node]);
  assert.equal(damaged?.state, 'FAILED');
  const message = damaged?.errors?.map((e) => e.message).join('; ') ?? '';
  console.log(`[${target.name}] DOWNLOAD of a damaged backup: ${message}`);
  const named = /^Unable to download files successfully: (.*)$/.exec(message)?.[1]?.split(',') ?? [];
  assert.deepEqual(named.sort(), [gone, changed].sort(), message);
  for (const op of await restorePhase('CLEANUP', resolvedTag, entities, [node]))
    assert.equal(op.state, 'COMPLETED');
});

test('TRUNCATE given a keyspace empties every current table of it, backed up or not; given tables, only those', async () => {
  // What makes the operator name a backup's tables one by one (workflows/restore-tables.ts).
  await target.putRows('trunc.kept', rows);
  const { resolvedTag } = await backupAll({ entities: 'trunc' }, 'contract-truncate');
  await target.putRows('trunc.later', rows.slice(0, 2)); // created after the backup
  const first = target.nodes.slice(0, 1);
  const byId = (r: Record<string, unknown>[]) => [...r].sort((a, b) => Number(a.id) - Number(b.id));

  for (const op of await restorePhase('TRUNCATE', resolvedTag, { entities: 'trunc.kept' }, first))
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
  assert.deepEqual(await target.rows('trunc.kept'), []);
  assert.deepEqual(
    byId(await target.rows('trunc.later')),
    rows.slice(0, 2),
    'a table not named is left alone',
  );

  const [absent] = await restorePhase('TRUNCATE', resolvedTag, { entities: 'trunc.nothere' }, first);
  assert.equal(absent?.state, 'FAILED');
  assert.ok(
    absent?.errors?.some((e) =>
      /Tables \[trunc\.nothere\] to process are not present in Cassandra\./.test(String(e.message)),
    ),
    JSON.stringify(absent?.errors),
  );

  for (const op of await restorePhase('TRUNCATE', resolvedTag, { entities: 'trunc' }, first))
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
  assert.deepEqual(
    await target.rows('trunc.later'),
    [],
    'given the keyspace, the table the backup lacks is emptied too',
  );
});

test('asked to, a node writes the cluster topology file at the bucket root under the resolved tag', async () => {
  await target.putRows('shop.orders', rows);
  const { resolvedTag } = await backupAll({ entities: 'shop.orders' }, 'contract-topology', {
    topologyFromFirstNode: true,
  });
  const path = join(target.bucketDir, 'topology', `${resolvedTag}.json`);
  assert.ok(existsSync(path), `no topology file at ${path}`);
  const topology = JSON.parse(readFileSync(path, 'utf8')) as {
    clusterName: string;
    schemaVersion: string;
    timestamp: number;
    topology: { nodeId: string; dc: string }[];
  };
  assert.equal(typeof topology.timestamp, 'number');
  assert.equal(topology.schemaVersion, await target.schemaVersion());
  assert.deepEqual(
    topology.topology.map((n) => `${n.dc}/${n.nodeId}`).sort(),
    target.nodes.map((n) => `${n.dc}/${n.hostId}`).sort(),
  );
});

test('remove-backup by name, from every node folder in storage: the other backup and its files stay', async () => {
  await target.putRows('shop.orders', rows);
  const old = await backupAll({ entities: 'shop.orders' }, 'contract-remove-old', {
    topologyFromFirstNode: true,
  });
  await target.putRows('shop.orders', rows.slice(0, 2));
  const kept = await backupAll({ entities: 'shop.orders' }, 'contract-remove-kept', {
    topologyFromFirstNode: true,
  });
  const keptFiles = new Map(target.nodes.map((n) => [n.hostId, files(n, kept.resolvedTag)]));
  const node = target.nodes[0] as ContractNode;
  const remove = async (backupName: string, dry = false) => {
    const op = await client(node).submit(
      removeBackupRequest({
        storageLocation: target.bucket,
        node,
        backupName,
        credentials: { generation: 3 },
        dry,
      }),
    );
    return finished(node, op.id);
  };

  const dry = await remove(old.resolvedTag, true);
  assert.equal(dry.state, 'COMPLETED', JSON.stringify(dry.errors));
  for (const n of target.nodes) assert.ok(existsSync(manifest(n, old.resolvedTag)), 'dry removes nothing');

  // One sidecar removes the backup from every node's folder (globalRequest lists them in storage).
  const removed = await remove(old.resolvedTag);
  assert.equal(removed.state, 'COMPLETED', JSON.stringify(removed.errors));
  assert.equal(removed.backupName, old.resolvedTag);
  for (const n of target.nodes) {
    assert.ok(!existsSync(manifest(n, old.resolvedTag)), `manifest of ${n.hostId} still there`);
    assert.ok(
      existsSync(manifest(n, kept.resolvedTag)),
      `the other backup's manifest of ${n.hostId} is gone`,
    );
    for (const key of keptFiles.get(n.hostId) ?? [])
      assert.ok(existsSync(join(nodeDir(n), key)), `${key} of the kept backup was removed`);
  }
  assert.ok(!existsSync(join(target.bucketDir, 'topology', `${old.resolvedTag}.json`)));
  assert.deepEqual(
    readdirSync(join(target.bucketDir, 'topology')).filter((f) => f.startsWith('contract-remove')),
    [`${kept.resolvedTag}.json`],
  );

  // Removing it again is no error: there is nothing left to remove.
  const again = await remove(old.resolvedTag);
  assert.equal(again.state, 'COMPLETED', JSON.stringify(again.errors));

  // Neither a name nor an age: refused inside the operation, with esop's message.
  const refused = await client(node).submit({
    ...removeBackupRequest({
      storageLocation: target.bucket,
      node,
      backupName: 'x',
      credentials: { generation: 3 },
    }),
    backupName: null,
  });
  const failed = await finished(node, refused.id);
  assert.equal(failed.state, 'FAILED');
  assert.equal(failed.progress, 1);
  assert.match(JSON.stringify(failed.errors), /you have not specified olderThan either/);
});
