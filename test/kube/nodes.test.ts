// Node resolution from Pods on the real kube-apiserver (no kubelet: Pods are objects whose
// status.podIP the test sets, as the stack's docs say).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { loadConfig } from '../../src/config.js';
import { resolveNodes, type NodeQuery } from '../../src/kube/nodes.js';
import { PlanError } from '../../src/kube/plan-error.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const config = loadConfig({});
let namespace: string;

async function pod(name: string, labels: Record<string, string>, ip?: string): Promise<void> {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels },
      spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
    },
  });
  if (ip) {
    await core.patchNamespacedPodStatus(
      { namespace, name, body: { status: { podIP: ip, podIPs: [{ ip }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

const ibm = (cluster: string, dc: string, rack: string) => ({
  'cassandra-cluster-instance': cluster,
  'cassandra-cluster-component': 'cassandra',
  'cassandra-cluster-dc': dc,
  'cassandra-cluster-rack': rack,
});

const query = (over: Partial<NodeQuery> = {}): NodeQuery => ({
  namespace,
  cluster: 'ring',
  selectorTemplate: config.POD_SELECTOR,
  dcLabel: config.DC_LABEL,
  rackLabel: config.RACK_LABEL,
  icarusPort: config.ICARUS_PORT,
  ...over,
});

before(async () => {
  namespace = await createNamespace(kc, 'nodes');
  await pod('ring-cassandra-dc1-0', ibm('ring', 'dc1', 'r1'), '127.10.0.1');
  await pod('ring-cassandra-dc1-1', ibm('ring', 'dc1', 'r2'), '127.10.0.2');
  await pod('ring-cassandra-dc2-0', ibm('ring', 'dc2', 'r1'), '127.10.0.3');
  await pod('other-cassandra-dc1-0', ibm('other', 'dc1', 'r1'), '127.10.0.9');
  await pod(
    'ring-reaper-0',
    { 'cassandra-cluster-instance': 'ring', 'cassandra-cluster-component': 'reaper' },
    '127.10.0.8',
  );
});

test("the IBM operator's labels find the cluster's Cassandra pods, with DC, rack and Icarus address", async () => {
  const nodes = await resolveNodes(core, query());
  assert.deepEqual(nodes, [
    {
      pod: 'ring-cassandra-dc1-0',
      address: '127.10.0.1',
      dc: 'dc1',
      rack: 'r1',
      icarusUrl: 'http://127.10.0.1:4567',
    },
    {
      pod: 'ring-cassandra-dc1-1',
      address: '127.10.0.2',
      dc: 'dc1',
      rack: 'r2',
      icarusUrl: 'http://127.10.0.2:4567',
    },
    {
      pod: 'ring-cassandra-dc2-0',
      address: '127.10.0.3',
      dc: 'dc2',
      rack: 'r1',
      icarusUrl: 'http://127.10.0.3:4567',
    },
  ]);
});

test('a dc filter keeps that datacenter; an unknown one is refused with the known ones named', async () => {
  assert.deepEqual(
    (await resolveNodes(core, query({ dcs: ['dc2'] }))).map((n) => n.pod),
    ['ring-cassandra-dc2-0'],
  );
  await assert.rejects(resolveNodes(core, query({ dcs: ['dc3'] })), (err: unknown) => {
    assert.ok(err instanceof PlanError);
    assert.equal(err.reason, 'UnknownDatacenter');
    assert.match(err.message, /dc3 not found in cluster ring; it has dc1, dc2/);
    return true;
  });
});

test('a cluster with no pods, or pods without an IP, is a plan error a user can act on', async () => {
  await assert.rejects(resolveNodes(core, query({ cluster: 'nosuch' })), (err: unknown) => {
    assert.ok(err instanceof PlanError && err.reason === 'NoCassandraPods' && err.transient);
    assert.match(
      err.message,
      /selector cassandra-cluster-instance=nosuch,cassandra-cluster-component=cassandra/,
    );
    return true;
  });
  await pod('late-cassandra-dc1-0', ibm('late', 'dc1', 'r1'));
  await assert.rejects(
    resolveNodes(core, query({ cluster: 'late' })),
    (err: unknown) => err instanceof PlanError && err.reason === 'NodesWithoutAddress',
  );
});

test('other operators are found through the configured selector and labels (k8ssandra)', async () => {
  await pod(
    'demo-dc1-default-sts-0',
    {
      'cassandra.datastax.com/cluster': 'demo',
      'cassandra.datastax.com/datacenter': 'dc1',
      'cassandra.datastax.com/rack': 'default',
    },
    '127.10.1.1',
  );
  const nodes = await resolveNodes(
    core,
    query({
      cluster: 'demo',
      selectorTemplate: 'cassandra.datastax.com/cluster={cluster}',
      dcLabel: 'cassandra.datastax.com/datacenter',
      rackLabel: 'cassandra.datastax.com/rack',
    }),
  );
  assert.deepEqual(
    nodes.map((n) => `${n.pod}@${n.dc}/${n.rack}`),
    ['demo-dc1-default-sts-0@dc1/default'],
  );
});
