// The world the bad-input cases need (test/reliability/bad-input.test.ts): an API server of its own
// (test/support/loose-crds.ts) whose CRDs have no schema for spec, as an older CRD without today's
// rules, with the IBM CassandraCluster CRD, made the environment's stack; a namespace with Secrets, whole
// and half; the 3-node cluster of the good work; and what a case sets up: CassandraCluster objects, Pods
// with and without an IP, simulated clusters, and sidecars that refuse every request. Temporal is the
// test runner's; the operator's task queue keeps its workflows apart.
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { PodCluster } from '../cassandra-pods.js';
import { startLooseStack } from '../loose-crds.js';
import type { OperatorProcess } from '../operator.js';
import type { OwnStack } from '../own-stack.js';
import { uniqueName } from '../stack-env.js';
import { OperatorWorld } from '../e2e/world.js';

export type Kind = 'CassandraBackup' | 'CassandraRestore';
export type Resource = CassandraBackup | CassandraRestore;

export const ibmLabels = (cluster: string, dc = 'dc1') => ({
  'cassandra-cluster-instance': cluster,
  'cassandra-cluster-component': 'cassandra',
  'cassandra-cluster-dc': dc,
  'cassandra-cluster-rack': 'rack1',
});

/** A loopback address nothing listens on (simulated nodes use 127.1-254.x.y, picked at random). */
export const deadAddress = () => `127.255.${randomInt(0, 255)}.${randomInt(2, 254)}`;

export class BadInputWorld extends OperatorWorld {
  core!: CoreV1Api;
  operator?: OperatorProcess;
  /** The 3-node cluster of the good backup and restore (and of the bad ones that need healthy nodes). */
  main!: PodCluster;
  mainName!: string;
  private loose?: OwnStack;
  private readonly servers: Server[] = [];

  async start(): Promise<this> {
    this.loose = await startLooseStack({ cassandraCluster: true });
    await this.open('bad-input', { s3: 'creds' });
    this.core = this.kc.makeApiClient(CoreV1Api);
    await Promise.all([
      this.secret('aws-half', ['awsaccesskeyid', 'awsregion']),
      this.secret('azure-half', ['azurestorageaccount']),
    ]);
    this.mainName = uniqueName('main');
    this.main = await this.simulated(this.mainName, { dc1: 3 }, 1500);
    this.main.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `book-${i}` }]));

    this.operator = this.runOperator({
      TEMPORAL_TASK_QUEUE: uniqueName('bad-input'),
      ICARUS_GENERATION: '3',
      ICARUS_POLL_INTERVAL_MS: '200',
      ICARUS_UNREACHABLE_SECONDS: '3',
      STATUS_WRITES_PER_SECOND: '4',
      RESYNC_SECONDS: '5',
    });
    await this.operator.waitForLog(/Watching CassandraRestores/);
    await this.operator.waitForLog(/Worker running/);
    return this;
  }

  override async stop(): Promise<void> {
    await Promise.all(this.operators.map((o) => o.stop()));
    await Promise.all(this.clusters.map((c) => c.stop()));
    await Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
    await this.temporal?.close();
    await this.loose?.stop();
  }

  /** A Secret holding `keys` (test-only values). */
  secret = async (name: string, keys: string[]): Promise<void> => {
    await this.core.createNamespacedSecret({
      namespace: this.namespace,
      body: { metadata: { name }, stringData: Object.fromEntries(keys.map((k) => [k, `test-only-${k}`])) },
    });
  };

  /** The IBM CassandraCluster object the operator checks before it looks for pods. */
  cassandraCluster = async (name: string, ready = true): Promise<void> => {
    await this.custom.createNamespacedCustomObject({
      group: 'db.ibm.com',
      version: 'v1alpha1',
      plural: 'cassandraclusters',
      namespace: this.namespace,
      body: {
        apiVersion: 'db.ibm.com/v1alpha1',
        kind: 'CassandraCluster',
        metadata: { name },
        spec: {},
        status: { ready },
      },
    });
  };

  /** A Cassandra pod object; with an IP, its status says the pod runs there. */
  pod = async (name: string, cluster: string, ip?: string): Promise<void> => {
    const namespace = this.namespace;
    await this.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels: ibmLabels(cluster) },
        spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
      },
    });
    if (ip) {
      await this.core.patchNamespacedPodStatus(
        { namespace, name, body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
  };

  /** Simulated nodes behind Pods, and a ready CassandraCluster of that name. */
  simulated = async (
    name: string,
    datacenters: Record<string, number>,
    durationMs = 800,
  ): Promise<PodCluster> => {
    const c = await this.podCluster({
      name,
      datacenters,
      timing: { durationMs, pendingMs: 30 },
      buckets: ['s3://bad-input', 's3://good-bucket'],
    });
    await this.cassandraCluster(name);
    return c;
  };

  /** A ready cluster whose pods have IPs where no Icarus listens. */
  deadCluster = async (name: string, pods = 1): Promise<void> => {
    await this.cassandraCluster(name);
    for (let i = 0; i < pods; i++) await this.pod(`${name}-cassandra-dc1-${i}`, name, deadAddress());
  };

  /**
   * A sidecar that knows its ring but answers every POST with `answer`: by default a 400 with its own
   * `words`, the way an Icarus refuses a request it cannot take.
   */
  refusingSidecar = async (
    cluster: string,
    words: string,
    answer: { status: number; contentType: string } = { status: 400, contentType: 'text/plain' },
  ): Promise<void> => {
    const address = `127.255.${randomInt(0, 255)}.1`;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method === 'GET' && req.url === '/topology') {
          return json(200, {
            clusterName: cluster,
            schemaVersion: randomUUID(),
            topology: [
              {
                hostname: address,
                cluster,
                dc: 'dc1',
                rack: 'rack1',
                nodeId: randomUUID(),
                ipAddress: address,
              },
            ],
          });
        }
        if (req.method === 'GET' && req.url?.startsWith('/operations')) return json(200, []);
        if (req.method === 'POST') {
          res.writeHead(answer.status, { 'Content-Type': answer.contentType });
          return res.end(words);
        }
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('Not Found');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(4567, address, resolve);
    });
    this.servers.push(server);
    await this.cassandraCluster(cluster);
    await this.pod(`${cluster}-cassandra-dc1-0`, cluster, address);
  };

  waitForState = async (kind: Kind, name: string, what: string, check: (r: Resource) => boolean) =>
    kind === 'CassandraBackup'
      ? this.backups.waitFor(name, what, check)
      : this.restores.waitFor(name, what, check);
}
