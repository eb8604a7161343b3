// A verify stopped half-way through DOWNLOAD still deletes what its nodes downloaded, end to end on the
// real kube-apiserver and Temporal dev server with simulated Icarus nodes: cancelled by the annotation,
// it stops the DOWNLOADs, runs CLEANUP in its own folder on every node (keeping truncated-* snapshots)
// and ends CANCELLED saying so; deleted, it does the same before its finalizer lets it go. No table is
// touched either way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CANCEL_ANNOTATION } from '../../src/operator/annotation-requests.js';
import type { PodCluster } from '../support/cassandra-pods.js';
import { restoresPerNode } from '../support/custom-resources.js';
import { TABLES, VerifyWorld } from '../support/e2e/verify.js';
import { kubectlAnnotate } from '../support/kubectl.js';
import { uniqueName } from '../support/stack-env.js';
import { everyNodeHolding, everyStopRequested } from '../support/simulated-holds.js';

const world = new VerifyWorld();

before(async () => {
  await world.start('e2e-verify-cancel');
});
after(() => world.stop());

const tablesOf = (c: PodCluster) =>
  JSON.stringify(c.cluster.nodes.map((n) => TABLES.map((t) => n.data.get(t))));

/** The CLEANUP requests every node received. */
const cleanups = (c: PodCluster) =>
  c.cluster.nodes.flatMap((n) =>
    n.simulator.received
      .filter((r) => r.type === 'restore' && r.request.restorationPhase === 'CLEANUP')
      .map((r) => r.request),
  );

/**
 * A verify of a fresh backup whose every DOWNLOAD waits half-way; then `stop` (a cancel or a delete),
 * and once Icarus was asked to stop every DOWNLOAD, the nodes go on (a held operation moves only then).
 */
async function verifyStoppedHalfWay(
  stop: (name: string) => Promise<void>,
): Promise<{ c: PodCluster; name: string; uid: string; before: string }> {
  const c = await world.cluster();
  const { name: backup } = await world.backedUp(c);
  const before = tablesOf(c);
  for (const n of c.cluster.nodes) n.simulator.hold({ type: 'restore', phase: 'DOWNLOAD', atProgress: 0.5 });
  const name = uniqueName('verify');
  const created = await world.restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    mode: 'Verify',
  });
  await everyNodeHolding(c, 'every DOWNLOAD held half-way');
  await stop(name);
  await everyStopRequested(c, 'DOWNLOAD');
  for (const n of c.cluster.nodes) n.simulator.release();
  return { c, name, uid: created.metadata.uid ?? '', before };
}

function assertCleanedUp(c: PodCluster, uid: string, before: string): void {
  assert.deepEqual(
    restoresPerNode(c),
    c.pods.map(() => ({ DOWNLOAD: 1, CLEANUP: 1 })),
    'CLEANUP on every node after the cancel; never TRUNCATE or IMPORT',
  );
  const folder = `file:///var/lib/cassandra/downloadedsstables/verify-${uid}`;
  for (const request of cleanups(c)) {
    assert.equal((request.import as { sourceDir?: string }).sourceDir, folder, 'the verify’s own folder');
    assert.equal(request.noDeleteTruncates, true, 'truncated-* snapshots kept');
  }
  assert.equal(tablesOf(c), before, 'no table touched');
}

test('a verify cancelled half-way through DOWNLOAD cleans up every node, then ends CANCELLED saying so', async () => {
  const { c, name, uid, before } = await verifyStoppedHalfWay((n) =>
    kubectlAnnotate(world.namespace, `cassandrarestore/${n}`, `${CANCEL_ANNOTATION}=true`),
  );
  const cancelled = await world.restores.waitFor(name, 'CANCELLED', (r) => r.status?.state === 'CANCELLED');
  const condition = cancelled.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'Cancelled');
  assert.match(
    condition?.message ?? '',
    /No table was touched; CLEANUP deleted what the 3 node\(s\) downloaded$/,
  );
  assert.deepEqual(
    cancelled.status?.phases?.map((p) => [p.name, p.state, p.completedNodes]),
    [
      ['DOWNLOAD', 'CANCELLED', 0],
      ['CLEANUP', 'COMPLETED', 3],
    ],
  );
  assert.ok(
    (cancelled.status?.nodes ?? []).every((n) => n.phase === 'CLEANUP' && n.state === 'COMPLETED'),
    JSON.stringify(cancelled.status?.nodes),
  );
  assertCleanedUp(c, uid, before);
});

test('a verify deleted half-way through DOWNLOAD cleans up every node before it is gone', async () => {
  const { c, name, uid, before } = await verifyStoppedHalfWay((n) => world.restores.delete(n));
  await world.restores.gone(name);
  assertCleanedUp(c, uid, before);
});
