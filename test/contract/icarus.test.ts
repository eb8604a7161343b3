// The Icarus contract: what our client and request builders rely on. Runs against the simulator in
// `npm test`; the same tests are meant for the real Icarus API (docs/icarus.md, "Real tier").
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IcarusClient } from '../../src/icarus/client.js';
import { IcarusOperationLostError } from '../../src/icarus/errors.js';
import { resolveGeneration } from '../../src/icarus/generation.js';
import {
  backupRequest,
  clusterId,
  removeBackupRequest,
  resolveSnapshotTag,
  restoreRequest,
  type RestorePhase,
} from '../../src/icarus/requests.js';
import type { Operation } from '../../src/icarus/types.js';
import { operationEnd } from './operation-end.js';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../src/kube/api/resources.js';
import { contractTarget, type ContractNode, type ContractTarget } from './targets.js';

let target: ContractTarget;
const clients = new Map<string, IcarusClient>();
const client = (node: ContractNode) => clients.get(node.url) ?? new IcarusClient({ baseUrl: node.url });

before(async () => {
  target = await contractTarget();
  for (const n of target.nodes) clients.set(n.url, new IcarusClient({ baseUrl: n.url }));
});
after(() => target?.stop());

const finished = (node: ContractNode, id: string, timeoutMs = 60_000): Promise<Operation> =>
  operationEnd(client(node), id, timeoutMs);

const rows = [
  { id: 1, v: 'one' },
  { id: 2, v: 'two' },
  { id: 3, v: 'three' },
  { id: 4, v: 'four' },
];

async function backupAll(
  spec: Record<string, unknown>,
  tag: string,
  opts: { topologyFromFirstNode?: boolean } = {},
): Promise<{ resolvedTag: string; ops: Operation[] }> {
  const schemaVersion = await target.schemaVersion();
  const resolvedTag = resolveSnapshotTag(tag, schemaVersion, Date.now());
  const parsed = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: target.bucket,
    secretName: 's',
    ...spec,
  });
  const submitted = await Promise.all(
    target.nodes.map((node, i) =>
      client(node).submit(
        backupRequest({
          spec: parsed,
          node,
          resolvedTag,
          schemaVersion,
          dataDirs: target.dataDirs,
          credentials: { generation: 3 },
          uploadClusterTopology: opts.topologyFromFirstNode === true && i === 0,
        }),
      ),
    ),
  );
  const ops = await Promise.all(submitted.map((op, i) => finished(target.nodes[i] as ContractNode, op.id)));
  return { resolvedTag, ops };
}

async function restorePhase(
  phase: RestorePhase,
  snapshotTag: string,
  spec: Record<string, unknown> = {},
  nodes = target.nodes,
): Promise<Operation[]> {
  const parsed = cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b', ...spec });
  const submitted = await Promise.all(
    nodes.map((node) =>
      client(node).submit(
        restoreRequest({
          spec: parsed,
          source: { storageLocation: target.bucket, snapshotTag },
          node,
          phase,
          dataDirs: target.dataDirs,
          cassandraDirectory: target.cassandraDirectory,
          downloadDir: target.downloadDir,
          credentials: { generation: 3 },
        }),
      ),
    ),
  );
  return Promise.all(submitted.map((op, i) => finished(nodes[i] as ContractNode, op.id)));
}

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

test('operations are listed newest first and filtered by type and state', async () => {
  const node = target.nodes[0] as ContractNode;
  const { ops } = await backupAll({}, 'contract-list');
  const listed = await client(node).listOperations({ type: 'backup', state: 'COMPLETED' });
  assert.ok(listed.some((o) => o.id === ops[0]?.id));
  assert.ok(listed.every((o) => o.type === 'backup' && o.state === 'COMPLETED'));
  const times = listed.map((o) => o.creationTime ?? '');
  assert.deepEqual(times, [...times].sort().reverse());
  assert.deepEqual(await client(node).listOperations({ type: 'restore', state: 'PENDING' }), []);
});

test('an unknown operation id is reported as lost (GET answers 500 "HTTP 404 Not Found", DELETE 404)', async () => {
  const node = target.nodes[0] as ContractNode;
  const id = '3f1c2b7a-0000-4000-8000-000000000000';
  await assert.rejects(client(node).getOperation(id), IcarusOperationLostError);
  await assert.rejects(client(node).cancelOperation(id), IcarusOperationLostError);
  const res = await fetch(`${node.url}/operations/${id}`);
  assert.equal(res.status, 500);
  assert.equal(await res.text(), 'HTTP 404 Not Found');
});

test('invalid requests are accepted (201), then FAILED with Icarus’s message and progress 1.0', async () => {
  const node = target.nodes[0] as ContractNode;
  const cases: [Record<string, unknown>, string][] = [
    [
      { type: 'backup', globalRequest: false, dataDirs: target.dataDirs },
      'storageLocation has to be specified!',
    ],
    [
      { type: 'backup', globalRequest: false, storageLocation: 'not-a-location', dataDirs: target.dataDirs },
      'is not in form protocol://bucketName/clusterId/datacenterid/nodeId',
    ],
    [
      {
        type: 'backup',
        globalRequest: false,
        storageLocation: 'minio://bucket/c/dc/n',
        dataDirs: target.dataDirs,
      },
      'Available storage providers: [azure, gcp, file, s3]',
    ],
    [
      { type: 'backup', globalRequest: false, storageLocation: `${target.bucket}/c/dc1/n` },
      'You have not specified any --data-dir',
    ],
    [
      {
        type: 'restore',
        globalRequest: false,
        storageLocation: `${target.bucket}/c/dc1/n`,
        restorationStrategyType: 'HARDLINKS',
        restorationPhase: 'DOWNLOAD',
        import: { type: 'import', sourceDir: target.downloadDir },
      },
      'snapshotTag can not be blank!',
    ],
  ];
  for (const [request, message] of cases) {
    const submitted = await client(node).submit(request);
    const op = await finished(node, submitted.id);
    assert.equal(op.state, 'FAILED', JSON.stringify(request));
    assert.equal(
      op.progress,
      1,
      'Icarus forces progress to 1.0 on FAILED: success is never read from progress',
    );
    assert.ok(
      op.errors?.some((e) => e.message?.includes(message)),
      `expected "${message}" in ${JSON.stringify(op.errors)}`,
    );
  }
});

test('DELETE flags an operation: a transfer that is not rate-limited still completes', async () => {
  const node = target.nodes[0] as ContractNode;
  const schemaVersion = await target.schemaVersion();
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: target.bucket,
    secretName: 's',
  });
  const op = await client(node).submit(
    backupRequest({
      spec,
      node,
      resolvedTag: resolveSnapshotTag('contract-delete', schemaVersion, Date.now()),
      schemaVersion,
      dataDirs: target.dataDirs,
      credentials: { generation: 3 },
    }),
  );
  await client(node).cancelOperation(op.id);
  const done = await finished(node, op.id);
  assert.equal(done.state, 'COMPLETED');
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

test('a body Icarus cannot read is refused at HTTP level with 500 and Jackson’s message, not 400', async () => {
  const node = target.nodes[0] as ContractNode;
  const post = (body: string) =>
    fetch(`${node.url}/operations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
  const notJson = await post('{not json');
  assert.equal(notJson.status, 500);
  const unknownType = await post(JSON.stringify({ type: 'no-such-operation' }));
  assert.equal(unknownType.status, 500);
  assert.match(await unknownType.text(), /Could not resolve type id 'no-such-operation'/);
  const noType = await post(JSON.stringify({ snapshotTag: 'x' }));
  assert.equal(noType.status, 500);
  assert.match(await noType.text(), /missing type id property 'type'/);
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

test('the sidecar’s /version tells its Icarus generation', async () => {
  const node = target.nodes[0] as ContractNode;
  assert.equal(await resolveGeneration('auto', client(node)), 3);
  assert.equal(await resolveGeneration(2, client(node)), 2, 'an explicit setting wins');
});

test('GET /topology reports the cluster, its schema version and every node with its host id and DC', async () => {
  for (const node of target.nodes) {
    const topology = await client(node).topology();
    assert.equal(topology.clusterName, node.cluster);
    assert.equal(topology.schemaVersion, await target.schemaVersion());
    assert.deepEqual(
      topology.topology.map((t) => [t.nodeId, t.dc]).sort(),
      target.nodes.map((n) => [n.hostId, n.dc]).sort(),
    );
    for (const t of topology.topology) assert.match(t.ipAddress, /^\d+\.\d+\.\d+\.\d+$/);
  }
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
      Object.values(tables).flatMap((t) =>
        Object.values(t.sstables).flatMap((e) => e.map((x) => x.objectKey)),
      ),
    );
  };
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
