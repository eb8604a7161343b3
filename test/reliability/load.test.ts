// Load (issue 7): 200 backups of 3-node clusters, all created at once, on one operator process (one
// worker). Every one completes, nothing is lost (each node ran its backup to COMPLETED and the status
// names that operation), nothing is duplicated (one backup operation per node, one topology upload per
// cluster) and there is one workflow per resource. How fast is a benchmark's question (`npm run bench`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { backupsPerNode, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const BACKUPS = 200;
const NODES = 3;

let kc: KubeConfig;
let namespace: string;
let operator: OperatorProcess | undefined;
const clusters: PodCluster[] = [];
const taskQueue = uniqueName('load');

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'load');
  await createS3Secret(kc, namespace, 'creds');
  // Own loopback /24s (127.210.x, 127.211.x), so that no cluster collides with another test's.
  let next = 0;
  const one = async () => {
    while (next < BACKUPS) {
      const i = next++;
      clusters[i] = await startPodCluster(kc, namespace, {
        name: `load-${i}`,
        datacenters: { dc1: NODES },
        timing: { durationMs: 3000, pendingMs: 50 },
        addressPrefix: `127.${210 + Math.floor(i / 256)}.${i % 256}`,
        buckets: ['s3://load'],
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ICARUS_GENERATION: '3',
  });
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
});

test(`${BACKUPS} backups × ${NODES} nodes created at once all complete on one worker: none lost, none doubled`, async () => {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = resourceNames.CassandraBackup;
  const names = clusters.map((_, i) => `load-backup-${i}`);
  const started = Date.now();
  await Promise.all(
    names.map((name, i) =>
      custom.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        body: {
          apiVersion: `${group}/${version}`,
          kind: 'CassandraBackup',
          metadata: { name },
          spec: {
            cassandraCluster: clusters[i]?.cluster.opts.name,
            storageLocation: 's3://load',
            secretName: 'creds',
          },
        },
      }),
    ),
  );

  let items: CassandraBackup[] = [];
  await eventually(
    `all ${BACKUPS} backups ended`,
    async () => {
      const list = (await custom.listNamespacedCustomObject({ group, version, plural, namespace })) as {
        items: CassandraBackup[];
      };
      items = list.items;
      return (
        items.length === BACKUPS && items.every((b) => succeeded(b) === 'True' || succeeded(b) === 'False')
      );
    },
    {
      timeoutMs: 480_000,
      intervalMs: 2000,
      describe: () =>
        `${items.filter((b) => succeeded(b) === 'True').length} succeeded; others: ${JSON.stringify(
          items.filter((b) => succeeded(b) !== 'True').map((b) => [b.metadata.name, b.status?.state]),
        ).slice(0, 2000)}\n${operator?.logs.slice(-20).join('\n')}`,
    },
  );
  const seconds = (Date.now() - started) / 1000;

  const failed = items.filter((b) => succeeded(b) !== 'True');
  assert.deepEqual(
    failed.map((b) => [b.metadata.name, b.status?.conditions]),
    [],
    'every backup Succeeded',
  );
  // Nothing lost: each node's one operation ran to COMPLETED, and it is the one the status names.
  let lost = 0;
  let mismatched = 0;
  for (const [i, c] of clusters.entries()) {
    const backup = items.find((b) => b.metadata.name === names[i]);
    for (const node of c.cluster.nodes) {
      const ops = node.simulator.received.filter(
        (r) => r.type === 'backup' && !r.request.uploadClusterTopology,
      );
      if (ops.length !== 1 || node.simulator.stateOf(ops[0]?.operationId ?? '') !== 'COMPLETED') lost += 1;
      const shown = backup?.status?.nodes?.find((n) => n.address?.startsWith(`${node.identity.address}:`));
      if (shown?.operationId !== ops[0]?.operationId || shown?.state !== 'COMPLETED') mismatched += 1;
    }
  }
  // Nothing doubled: one backup per node, one topology upload per cluster.
  const perNode = clusters.flatMap((c) => backupsPerNode(c).map((n) => n.data));
  const topology = clusters.map((c) => backupsPerNode(c).reduce((a, n) => a + n.topology, 0));
  const duplicated = perNode.filter((n) => n > 1).length + topology.filter((n) => n > 1).length;

  const { client, close } = await temporalClient();
  let workflows = 0;
  try {
    for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      if (w.type) workflows += 1;
    }
  } finally {
    await close();
  }
  console.log(
    [
      '',
      `| load | backups | nodes | completed | lost | duplicated | workflows | created → all completed |`,
      '|---|---|---|---|---|---|---|---|',
      `| ${BACKUPS} × ${NODES} nodes at once, one worker | ${BACKUPS} | ${BACKUPS * NODES} | ${items.length - failed.length} | ${lost} | ${duplicated} | ${workflows} | ${seconds.toFixed(0)} s |`,
      '',
    ].join('\n'),
  );
  assert.equal(lost, 0, 'node operations lost');
  assert.equal(mismatched, 0, 'nodes whose status does not name the operation Icarus ran');
  assert.equal(duplicated, 0, 'operations sent twice');
  assert.deepEqual(perNode.filter((n) => n === 1).length, BACKUPS * NODES, 'every node backed up once');
  assert.equal(workflows, BACKUPS, 'one workflow per backup');
  assert.equal(await Promise.race([operator?.exited, Promise.resolve('running')]), 'running');
});
