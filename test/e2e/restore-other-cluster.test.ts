// A restore into another cluster, end to end on the real stack (the operator process, the real
// kube-apiserver and Temporal dev server, simulated Icarus nodes behind real Pods): the backup a real
// Icarus global backup left (test/fixtures/icarus-global-backup, cluster `fixture`) restored into a
// rebuilt cluster of another name and new host ids, each node started with its backup node's tokens;
// each node reads its backup node's folder (matched by ordinal) and gets that node's rows back. A node
// without its backup node's tokens fails DOWNLOAD with TokensDoNotMatch before anything is truncated; a
// cluster whose nodes do not match the backup's one to one is refused before any node is asked; one
// that lacks the backup's table fails DOWNLOAD with SchemaNotInCluster, nothing truncated.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { type Restores, restoresPerNode, succeeded } from '../support/custom-resources.js';
import { FIXTURE_BUCKET, fixture, fixtureRows, NEWER } from '../support/e2e/global-backup-fixture.js';
import { ORDERS, RestoreWorld, rowsOf } from '../support/e2e/restore.js';
import { uniqueName } from '../support/stack-env.js';

const world = new RestoreWorld();
let kc: KubeConfig;
let namespace: string;
let restores: Restores;
let location: string;
let folder: string;

before(async () => {
  ({ kc, namespace, restores } = await world.start());
  folder = mkdtempSync(join(tmpdir(), 'cbo-other-cluster-'));
  cpSync(FIXTURE_BUCKET, join(folder, 'bucket'), { recursive: true });
  location = `file://${folder}/bucket`;
});
after(async () => {
  await world.stop();
  rmSync(folder, { recursive: true, force: true });
});

/** A cluster of another name with new host ids; `tokens` gives node i its tokens. */
async function rebuilt(
  count: number,
  tokens: (i: number) => string[],
  withTable = true,
): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('rebuilt'),
    datacenters: { [fixture.dc]: count },
    identities: Array.from({ length: count }, (_, i) => ({ hostId: randomUUID(), tokens: tokens(i) })),
    timing: { durationMs: 500, pendingMs: 30 },
  });
  world.clusters.push(c);
  c.cluster.nodes.forEach((n, i) => {
    if (withTable) n.data.set(ORDERS, [{ id: i * 10 + 9, item: 'written in the new cluster' }]);
    else n.data.delete(ORDERS);
  });
  return c;
}

const restoreInto = (c: PodCluster) => {
  const name = uniqueName('restore');
  return restores
    .create(name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: location,
      snapshotTag: 'nightly',
      secretName: 'creds',
    })
    .then(() => name);
};

const tokensOf = (i: number) => fixture.nodes[i]?.tokens ?? [];

test('into a rebuilt cluster (another name, new host ids, the backup’s tokens by ordinal): each node restores its backup node’s rows', async () => {
  const c = await rebuilt(3, tokensOf);
  const name = await restoreInto(c);
  const done = await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), fixtureRows(c, 'new'), 'node i has the rows of the backup’s node i');
  assert.equal(done.status?.source?.snapshotTag, NEWER, 'every node reads the same backup, by its full name');
  assert.deepEqual(
    done.status?.nodes?.map((n) => [n.pod, n.source]),
    c.cluster.nodes.map((_, i) => [
      `${c.cluster.opts.name}-cassandra-${fixture.dc}-${i}`,
      { cluster: fixture.clusterName, dc: fixture.dc, hostId: fixture.nodes[i]?.hostId },
    ]),
  );
  c.cluster.nodes.forEach((n, i) => {
    const sent = n.simulator.received.filter((r) => r.type === 'restore');
    const phases = new Set(sent.map((r) => r.request.restorationPhase));
    for (const p of ['DOWNLOAD', 'IMPORT', 'CLEANUP']) assert.ok(phases.has(p), `${n.identity.hostId}: ${p}`);
    for (const r of sent) {
      assert.equal(
        r.request.storageLocation,
        `${location}/${fixture.clusterName}/${fixture.dc}/${fixture.nodes[i]?.hostId}`,
      );
      assert.equal(r.request.snapshotTag, NEWER);
    }
  });
});

test('a node without its backup node’s tokens fails DOWNLOAD with TokensDoNotMatch, and nothing is truncated', async () => {
  const c = await rebuilt(3, (i) => (i === 1 ? ['42', '4242'] : tokensOf(i)));
  const before = rowsOf(c);
  const name = await restoreInto(c);
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'TokensDoNotMatch');
  assert.match(condition?.message ?? '', /DOWNLOAD failed on 1 of 3 node\(s\)/);
  assert.match(condition?.message ?? '', /Tokens from snapshot and tokens of this node does not match!/);
  assert.deepEqual(
    restoresPerNode(c).map((p) => Object.keys(p)),
    [['DOWNLOAD'], ['DOWNLOAD'], ['DOWNLOAD']],
    'no node got past DOWNLOAD',
  );
  assert.deepEqual(rowsOf(c), before, 'no row lost');
});

test('a cluster of two nodes for a backup of three is refused before any node is asked: NodesDoNotMatchBackup', async () => {
  const c = await rebuilt(2, tokensOf);
  const name = await restoreInto(c);
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'NodesDoNotMatchBackup');
  assert.match(
    condition?.message ?? '',
    new RegExp(
      `backup node\\(s\\) fixture-cassandra-dc1-2 \\(${fixture.nodes[2]?.hostId}\\) in dc1 have no pod with their ordinal`,
    ),
  );
  await restores.waitForEvent(name, 'NodesDoNotMatchBackup');
  assert.deepEqual(restoresPerNode(c), [{}, {}], 'no node was asked anything');
});

test('a cluster without the backup’s table fails DOWNLOAD with SchemaNotInCluster, naming it, and nothing is truncated', async () => {
  const c = await rebuilt(3, tokensOf, false);
  c.cluster.nodes.forEach((n) => n.data.set('shop.carts', [{ id: 1, item: 'kept' }]));
  const name = await restoreInto(c);
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'SchemaNotInCluster');
  assert.match(
    condition?.message ?? '',
    /DOWNLOAD failed on 3 of 3 node\(s\).*Tables \[shop\.orders\] to process are not present in Cassandra/,
  );
  assert.deepEqual(
    restoresPerNode(c).map((p) => Object.keys(p)),
    [['DOWNLOAD'], ['DOWNLOAD'], ['DOWNLOAD']],
  );
  assert.deepEqual(
    c.cluster.nodes.map((n) => n.data.get('shop.carts')),
    c.cluster.nodes.map(() => [{ id: 1, item: 'kept' }]),
    'the cluster’s own tables untouched',
  );
});
