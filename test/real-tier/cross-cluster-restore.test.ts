// Restore into another cluster (issue 23), on the real tier, with a layout where ownership matters: three
// real Cassandra 5.0.8 nodes with 16 vnodes each and a keyspace of replication factor 1, so that each row
// lives on one node only. docs/disaster-recovery.md step by step, one ring after the other on one machine
// (test/support/real-tier/cross-cluster-tier.ts):
//
//   ring A (cluster ring-a)  300 rows, a CassandraBackup to a file:// bucket; then its nodes stop, its
//                            Pods and the CassandraBackup go (Retain: its data stays): the bucket is left
//   the bucket               a CassandraBackupSync imports the backup; the imported CassandraBackup lists
//                            each node's host name and tokens (status.nodes[].pod, initialToken)
//   ring B (cluster ring-b)  another cluster name, new host ids, the same datacenter, fresh data folders;
//                            node i started with initial_token = the tokens of A's node with ordinal i;
//                            the schema made again (the operator makes none) and a few rows of its own
//
// A CassandraRestore into B's nodes under pods named in the wrong order fails in DOWNLOAD, whose esop
// refuses a node that does not own its source node's tokens (TokensDoNotMatch), and truncates nothing.
// The CassandraRestore into B names the imported backup: each pod takes A's node of its ordinal
// (status.nodes[].source) and every one of A's rows is read back from B by its key at consistency ONE,
// which only the node that owns the row's token can answer. Needs mount namespaces (root): skipped
// otherwise. Run by `npm run test:real`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nodeViewsUnavailable } from '../../dev/real/node-view.js';
import { decided, succeeded } from '../support/custom-resources.js';
import { realNodePodName } from '../support/real-node-pod.js';
import {
  A_ADDRESSES,
  B_ADDRESSES,
  CrossClusterTier,
  DC,
  SOURCE,
  TARGET,
} from '../support/real-tier/cross-cluster-tier.js';
import { assertPhasesCompleted } from '../support/real-tier/round-trip.js';
import { ownerOf, type RingCql, type RingNodeIdentity, type Row } from '../support/real-tier/ring-cql.js';
import { uniqueName } from '../support/stack-env.js';

const skip = nodeViewsUnavailable() ?? false;

/** B's nodes again, under pods whose ordinals 0 and 1 are the other way round. */
const SWAPPED = 'ring-b-swapped';
const TABLE = 'xr.orders';
const ROWS: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i, v: `order-${i}` }));
/** B's own rows before the restores: kept by the refused one, gone after the other (TRUNCATE). */
const B_ONLY: Row[] = Array.from({ length: 20 }, (_, i) => ({ id: 1000 + i, v: `b-only-${i}` }));

describe(
  'restore into another cluster: 3 nodes, vnodes, replication factor 1, real Cassandra + Icarus',
  { skip, timeout: 30 * 60_000 },
  () => {
    const tier = new CrossClusterTier();
    /** A's nodes by ordinal (pod i is the node at address i). */
    let nodesA: RingNodeIdentity[] = [];
    /** The CassandraBackup the sync imported from the bucket. */
    let imported = '';
    let cqlB: RingCql | undefined;

    /** A CassandraRestore of the imported backup into a cluster's pods, once it has succeeded or failed. */
    const restoreInto = async (cluster: string) => {
      const name = uniqueName(`${cluster}-restore`);
      await tier.restores.create(name, {
        cassandraCluster: cluster,
        cassandraBackup: imported,
        entities: 'xr',
      });
      return tier.restores.waitFor(name, 'Succeeded decided', decided);
    };

    before(() => tier.start());
    after(() => tier.stop());

    test('ring A: 300 rows spread over its 3 nodes, a CassandraBackup; then the cluster and the backup resource are gone', async () => {
      const a = await tier.startRing(SOURCE, A_ADDRESSES);
      console.log(`[cross-cluster] ring A of 3 nodes with their sidecars up in ${a.ms} ms`);
      nodesA = a.nodes;
      await a.cql.createTable(TABLE, DC);
      await a.cql.write(TABLE, ROWS);
      // Ownership matters: each node owns some of the rows, and only it holds them.
      const tokens = [...(await a.cql.tokensOf(TABLE)).values()];
      const owned = nodesA.map((n) => tokens.filter((t) => ownerOf(t, nodesA) === n).length);
      console.log(`[cross-cluster] rows owned by A's nodes: ${owned.join(', ')}`);
      assert.ok(
        owned.every((c) => c > 0),
        `every node of A owns rows: ${owned.join(', ')}`,
      );

      const backup = uniqueName('ring-a-backup');
      const spec = { cassandraCluster: SOURCE, storageLocation: tier.bucket, secretName: 'no-credentials' };
      await tier.backups.create(backup, { ...spec, entities: 'xr' });
      const done = await tier.backups.waitFor(backup, 'Succeeded decided', decided);
      assert.equal(succeeded(done), 'True', JSON.stringify(done.status));

      await tier.lose(SOURCE, a.cql);
      await tier.backups.delete(backup);
      await tier.backups.gone(backup);
    });

    test('the bucket: a CassandraBackupSync imports the backup, which names A’s nodes as their Pods and lists each one’s tokens', async () => {
      const sync = uniqueName('ring-a-sync');
      await tier.syncs.create(sync, {
        storageLocation: tier.bucket,
        secretName: 'no-credentials',
        clusterName: SOURCE,
      });
      const synced = await tier.syncs.waitFor(
        sync,
        'one backup imported',
        (s) => s.status?.importedCount === 1,
      );
      imported = synced.status?.backups?.[0]?.backup ?? '';
      const backup = await tier.backups.waitFor(imported, 'Succeeded=True', (b) => succeeded(b) === 'True');
      assert.equal(backup.spec.imported, true);
      // The host names come from Icarus's topology file (its node resolved each address: the Pod's DNS
      // name); the tokens from each node's manifest. A's live nodes had exactly these.
      assert.deepEqual(
        [...(backup.status?.nodes ?? [])]
          .sort((x, y) => x.pod.localeCompare(y.pod))
          .map((n) => [n.pod, n.dc, n.hostId, n.initialToken?.split(',').sort()]),
        nodesA.map((n, i) => [realNodePodName(SOURCE, DC, i), DC, n.hostId, n.tokens]),
      );
    });

    test('ring B: another cluster name, new host ids, node i started with the initialToken of the backup’s node i', async () => {
      const backup = await tier.backups.get(imported);
      const byPod = new Map((backup.status?.nodes ?? []).map((n) => [n.pod, n.initialToken ?? '']));
      const tokens = B_ADDRESSES.map((_, i) => (byPod.get(realNodePodName(SOURCE, DC, i)) ?? '').split(','));
      const b = await tier.startRing(TARGET, B_ADDRESSES, tokens);
      console.log(`[cross-cluster] ring B of 3 nodes with A's tokens up in ${b.ms} ms`);
      cqlB = b.cql;
      assert.equal(await cqlB.clusterName(), TARGET);
      for (const [i, n] of b.nodes.entries()) {
        assert.deepEqual(n.tokens, nodesA[i]?.tokens, `${n.address} owns the tokens of A's node ${i}`);
        assert.ok(!nodesA.some((a) => a.hostId === n.hostId), `${n.address} has a host id of its own`);
      }
      await cqlB.createTable(TABLE, DC);
      await cqlB.write(TABLE, B_ONLY);
    });

    test('B’s nodes under pods in the wrong order: DOWNLOAD refuses the nodes that do not own their source node’s tokens (TokensDoNotMatch); nothing truncated', async () => {
      assert.ok(cqlB, 'needs ring B of the test before');
      const [b0, b1, b2] = B_ADDRESSES as [string, string, string];
      await tier.createPods(SWAPPED, [b1, b0, b2]);
      const failed = await restoreInto(SWAPPED);
      assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
      const condition = failed.status?.conditions?.find((c) => c.type === 'Succeeded');
      assert.equal(condition?.reason, 'TokensDoNotMatch', JSON.stringify(condition));
      // Pods 0 and 1 are the nodes with A's node 1's and node 0's tokens; pod 2 is matched right.
      assert.deepEqual(
        [...(failed.status?.nodes ?? [])]
          .sort((x, y) => x.pod.localeCompare(y.pod))
          .map((n) => [n.pod, n.phase, n.state]),
        [
          [realNodePodName(SWAPPED, DC, 0), 'DOWNLOAD', 'FAILED'],
          [realNodePodName(SWAPPED, DC, 1), 'DOWNLOAD', 'FAILED'],
          [realNodePodName(SWAPPED, DC, 2), 'DOWNLOAD', 'COMPLETED'],
        ],
      );
      const phases = new Map(failed.status?.phases?.map((p) => [p.name, p]));
      assert.equal(phases.get('DOWNLOAD')?.state, 'FAILED', JSON.stringify(failed.status?.phases));
      assert.ok(
        !['RUNNING', 'COMPLETED', 'FAILED'].includes(phases.get('TRUNCATE')?.state ?? ''),
        `TRUNCATE never ran: ${JSON.stringify(failed.status?.phases)}`,
      );
      assert.deepEqual(await cqlB.readAll(TABLE), B_ONLY, "B's own rows, untouched");
    });

    test('restore into B: Succeeded, each pod restores A’s node of its ordinal, and every row of A is read back at consistency ONE', async () => {
      assert.ok(cqlB, 'needs ring B of the tests before');
      const started = Date.now();
      const restored = await restoreInto(TARGET);
      assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
      console.log(`[cross-cluster] restore into B in ${Date.now() - started} ms`);
      assertPhasesCompleted(restored);
      assert.deepEqual(
        [...(restored.status?.nodes ?? [])]
          .sort((x, y) => x.pod.localeCompare(y.pod))
          .map((n) => [n.pod, n.source]),
        nodesA.map((a, i) => [realNodePodName(TARGET, DC, i), { cluster: SOURCE, dc: DC, hostId: a.hostId }]),
        "each pod's source is A's node of its ordinal",
      );

      const read = await cqlB.readEach(
        TABLE,
        ROWS.map((r) => r.id),
      );
      const wrong = ROWS.filter((r) => read.get(r.id) !== r.v);
      assert.deepEqual(wrong, [], 'every row of A, read by its key at consistency ONE');
      assert.deepEqual(await cqlB.readAll(TABLE), ROWS, "A's rows, and B's own gone (TRUNCATE)");
    });
  },
);
