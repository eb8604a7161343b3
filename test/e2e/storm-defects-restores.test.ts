// The defects random fault storms found in restores (issue 19), each on the real stack: the operator
// process against the real kube-apiserver and Temporal dev server, simulated Icarus nodes behind real
// Pods. Each test failed before its fix: a retry after TruncateLost could truncate a cluster whose
// downloads another restore had removed; a TRUNCATE whose first submission stopped before reaching
// Icarus failed TruncateOutcomeUnknown (storm seed 175845456) where it is safe to post it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Row } from '../../dev/icarus-simulator/cluster.js';
import { retrySignal } from '../../workflows/signals.js';
import { restoreWorkflowId } from '../../src/contract/ids.js';
import type { PodCluster } from '../support/cassandra-pods.js';
import { type Backups, type Restores, restoresPerNode, succeeded } from '../support/custom-resources.js';
import { ORDERS, reasonOf, StormDefectsWorld } from '../support/e2e/storm-defects.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const world = new StormDefectsWorld();
const { cluster } = world;
let namespace: string;
let temporal: StormDefectsWorld['temporal'];
let backups: Backups;
let restores: Restores;

before(async () => {
  ({ namespace, temporal, backups, restores } = await world.start());
});
after(() => world.stop());

const rowsOf = (c: PodCluster): Row[][] => c.cluster.nodes.map((n) => n.data.get(ORDERS) ?? []);
const emptyTables = (c: PodCluster) => c.cluster.nodes.forEach((n) => n.data.set(ORDERS, []));

async function backedUp(c: PodCluster, location = 's3://storm-bucket'): Promise<string> {
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  return name;
}

async function signalRetry(name: string): Promise<void> {
  const uid = (await restores.get(name)).metadata.uid ?? '';
  await temporal.client.workflow.getHandle(restoreWorkflowId(namespace, name, uid)).signal(retrySignal);
}

test('TruncateLost: newer restores of the cluster wait, and the retry downloads again before it truncates', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  emptyTables(c);
  const truncating = c.cluster.nodes[0]!;
  truncating.simulator.hold({ type: 'restore', phase: 'TRUNCATE', atProgress: 0.5 });
  const a = uniqueName('restore-a');
  await restores.create(a, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  await eventually('restore A holding in TRUNCATE', () =>
    Promise.resolve(truncating.simulator.heldCount() === 1),
  );
  await truncating.simulator.restart();
  truncating.simulator.release();
  const lostA = await restores.waitFor(a, 'FAILED', (r) => r.status?.state === 'FAILED');
  assert.equal(reasonOf(lostA), 'TruncateLost');

  // Restore B of the same cluster must not run while A, truncated or not, waits for its retry.
  const b = uniqueName('restore-b');
  await restores.create(b, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const waiting = await restores.waitFor(b, 'WaitingForRestore', (r) => reasonOf(r) === 'WaitingForRestore');
  assert.equal(waiting.status?.state, 'PENDING');
  assert.match(
    waiting.status?.conditions?.[0]?.message ?? '',
    new RegExp(`${a} .*failed after its TRUNCATE started`),
  );
  assert.deepEqual(
    restoresPerNode(c).map((n) => n.DOWNLOAD ?? 0),
    [1, 1, 1],
    'B downloaded nothing while A waits',
  );

  await signalRetry(a);
  const doneA = await restores.waitFor(a, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(doneA.status?.state, 'COMPLETED');
  assert.deepEqual(rowsOf(c), before, 'every row is back after A');
  const again = (await restores.events(a)).find((e) => e.reason === 'DownloadAgain');
  assert.match(
    again?.message ?? '',
    new RegExp(`${c.pods[0]}: Icarus no longer lists this restore's DOWNLOAD`),
  );

  // B then runs on its own, after A.
  await restores.waitFor(b, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), before, 'and still after B');
});

test('a restore whose downloads another restore removed downloads again before TRUNCATE', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  emptyTables(c);
  // A fails in DOWNLOAD on one node: not truncated, so it does not hold the cluster.
  c.cluster.nodes[2]?.simulator.failNext({
    atProgress: 0.5,
    message: 'Unable to download files successfully: connection reset',
    type: 'restore',
    phase: 'DOWNLOAD',
    times: 1,
  });
  const a = uniqueName('restore-a');
  await restores.create(a, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const failedA = await restores.waitFor(a, 'FAILED', (r) => r.status?.state === 'FAILED');
  assert.equal(failedA.status?.phase, 'DOWNLOAD');

  // B of the same backup runs to the end; its CLEANUP removes the downloads A had on nodes 0 and 1.
  const b = uniqueName('restore-b');
  await restores.create(b, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  await restores.waitFor(b, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), before);
  emptyTables(c);

  await signalRetry(a);
  const doneA = await restores.waitFor(a, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(doneA.status?.state, 'COMPLETED');
  assert.deepEqual(rowsOf(c), before, 'A imported every node: nothing was truncated without its download');
  const again = (await restores.events(a)).find((e) => e.reason === 'DownloadAgain');
  assert.match(again?.message ?? '', /downloading again on 2 node\(s\)/);
  assert.match(again?.message ?? '', /not this restore's, ran on this node after its DOWNLOAD/);
});

test('a TRUNCATE whose first submission Icarus refused is posted by the next attempt, once, and the restore completes', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  emptyTables(c);
  // The sidecar answers the first TRUNCATE POST 503 and accepts nothing: the activity's first attempt
  // fails, the node still lists this restore's DOWNLOAD, so nothing can have been truncated.
  const truncating = c.cluster.nodes[0]!;
  truncating.simulator.faults.refuse = { type: 'restore', phase: 'TRUNCATE', status: 503, count: 1 };
  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const done = await restores.waitFor(name, 'COMPLETED or FAILED', (r) =>
    ['COMPLETED', 'FAILED'].includes(r.status?.state ?? ''),
  );
  assert.equal(
    done.status?.state,
    'COMPLETED',
    `${reasonOf(done)}: ${done.status?.conditions?.[0]?.message}`,
  );
  assert.equal(truncating.simulator.faults.refuse.count, 0, 'the TRUNCATE POST was refused once');
  assert.deepEqual(
    restoresPerNode(c).map((n) => n.TRUNCATE ?? 0),
    [1, 0, 0],
    'one TRUNCATE, from one node',
  );
  assert.deepEqual(rowsOf(c), before, 'every row is back');
});
