// The Icarus contract, its HTTP API: what our client relies on when it submits, lists, polls and cancels
// operations, and reads a node's topology and version; how Icarus answers unknown ids, invalid requests
// and bodies it cannot read. Runs against the simulator in `npm test`; the same tests are meant for the
// real Icarus API (docs/icarus.md, "Real tier").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IcarusOperationLostError } from '../../src/icarus/errors.js';
import { resolveGeneration } from '../../src/icarus/generation.js';
import { backupRequest, resolveSnapshotTag } from '../../src/icarus/requests.js';
import { cassandraBackupSpecSchema } from '../../src/kube/api/resources.js';
import { startIcarusContract, type IcarusContract } from '../support/icarus-contract.js';
import type { ContractNode, ContractTarget } from './targets.js';

let target: ContractTarget;
let client: IcarusContract['client'];
let finished: IcarusContract['finished'];
let backupAll: IcarusContract['backupAll'];

before(async () => {
  ({ target, client, finished, backupAll } = await startIcarusContract());
});
after(() => target?.stop());

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
