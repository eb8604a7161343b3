// The submissions of both forms the workflows send: the request the plan built once (from the
// `backup-request-built-in-plan` and `restore-request-built-in-plan` patches on), carried through
// workflow history as JSON, and the spec and plan of runs recorded before them. A node receives the same
// body from either, byte for byte.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { submitBackup } from '../../../activities/backup-submit.js';
import { submitRestore } from '../../../activities/restore-submit.js';
import { backupTemplate, restoreTemplate } from '../../../src/icarus/requests.js';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../../src/kube/api/resources.js';
import { inActivity, simulatedActivities } from '../../support/activity-env.js';

const { cluster, deps, nodeWork } = simulatedActivities();

before(() => cluster.start());
after(() => cluster.stop());

const resource = { namespace: 'ns', name: 'r', uid: 'u' };
/** What workflow history does to an activity's input. */
const throughHistory = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The body node 0 last received, with the tag it names made neutral. */
function lastBody(tag: string): string {
  const last = cluster.nodes[0]?.simulator.received.at(-1);
  assert.ok(last);
  return JSON.stringify(last.request).replaceAll(tag, '<tag>');
}

test('a backup node gets the same body from the plan’s request as from the spec and the plan', async () => {
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'unit',
    storageLocation: 's3://bucket',
    secretName: 's',
    duration: '2 hours',
    retry: { enabled: true },
    skipBucketVerification: true,
  });
  const plan = (tag: string) => ({
    clusterName: 'unit',
    schemaVersion: cluster.schemaVersion,
    resolvedTag: `${tag}-${cluster.schemaVersion}-1700000000000`,
    icarusGeneration: 2 as const,
    dataDirs: ['/var/lib/cassandra/data'],
  });
  const bodies: string[] = [];
  for (const uploadClusterTopology of [false, true]) {
    const old = plan(`old-${String(uploadClusterTopology)}`);
    await inActivity(new MockActivityEnvironment(), () =>
      submitBackup(deps, { resource, spec, plan: old, node: nodeWork(0), uploadClusterTopology }),
    );
    bodies.push(lastBody(old.resolvedTag));
    const built = plan(`built-${String(uploadClusterTopology)}`);
    const request = throughHistory(
      backupTemplate({
        spec,
        ...built,
        credentials: { generation: 2, namespace: resource.namespace, secretName: spec.secretName },
      }),
    );
    await inActivity(new MockActivityEnvironment(), () =>
      submitBackup(deps, {
        resource,
        request,
        clusterName: 'unit',
        secretName: spec.secretName,
        node: nodeWork(0),
        uploadClusterTopology,
      }),
    );
    bodies.push(lastBody(built.resolvedTag));
  }
  assert.equal(bodies[1], bodies[0]);
  assert.equal(bodies[3], bodies[2], 'the topology upload too');
  assert.notEqual(bodies[0], bodies[2]);
  assert.match(bodies[0] ?? '', /"k8sSecretName":"s"/, 'Icarus 2.x gets the Secret’s name');
});

test('a restore phase gets the same body from the plan’s request as from the spec and the plan', async () => {
  const spec = cassandraRestoreSpecSchema.parse({
    cassandraCluster: 'unit',
    cassandraBackup: 'b',
    entities: 'shop',
    rename: { 'shop.a': 'shop.b' },
  });
  const plan = (tag: string) => ({
    clusterName: 'unit',
    icarusGeneration: 3 as const,
    source: { storageLocation: 's3://bucket', snapshotTag: tag, secretName: 's' },
    dataDirs: ['/var/lib/cassandra/data'],
    cassandraDirectory: '/var/lib/cassandra',
    downloadDir: 'file:///var/lib/cassandra/downloadedsstables',
  });
  for (const tables of [{}, { entities: 'shop.orders', keepTruncated: true }]) {
    const common = {
      resource,
      node: nodeWork(0),
      phase: 'CLEANUP' as const,
      notBefore: Date.now(),
      ...tables,
    };
    const old = plan(`old-${Object.keys(tables).length}`);
    await inActivity(new MockActivityEnvironment(), () =>
      submitRestore(deps, { ...common, spec, plan: old }),
    );
    const fromSpec = lastBody(old.source.snapshotTag);
    const built = plan(`built-${Object.keys(tables).length}`);
    const request = throughHistory(restoreTemplate({ spec, ...built, credentials: { generation: 3 } }));
    await inActivity(new MockActivityEnvironment(), () =>
      submitRestore(deps, { ...common, request, clusterName: 'unit', secretName: 's' }),
    );
    assert.equal(lastBody(built.source.snapshotTag), fromSpec);
  }
});
