// The set-up of test/real-tier/cross-cluster-restore.test.ts: two rings of three real Cassandra 5.0.8
// nodes with the real tier's sidecars (Icarus 3.x), one after the other on one machine, behind Pods of two
// clusters; a file:// bucket both reach; one operator for both. Each node's processes see their own
// folder at one shared path (dev/real/node-view.ts), so the operator's one CASSANDRA_DATA_DIRS and
// RESTORE_DOWNLOAD_DIR fit the nodes of either ring, and all six listen on one CQL and one sidecar port,
// each on its own address, as Pods do. The sidecars resolve each node's address to its Pod's DNS name
// (./pod-hostnames.ts), so that Icarus's topology file names A's nodes as Kubernetes would.
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startRing, type Ring } from '../../../dev/real/ring.js';
import { freePortOnAll } from '../../../dev/stack/loopback.js';
import { workDir } from '../../storage/support.js';
import { Backups, Restores, Syncs } from '../custom-resources.js';
import { startOperator, type OperatorProcess } from '../operator.js';
import { createRealNodePod, realNodePodName } from '../real-node-pod.js';
import { createNamespace, kubeConfig, uniqueName } from '../stack-env.js';
import { eventually } from '../wait.js';
import { podHostsFile } from './pod-hostnames.js';
import { RingCql, type RingNodeIdentity } from './ring-cql.js';

/** SimpleSnitch's datacenter: the same in both rings. */
export const DC = 'datacenter1';
export const SOURCE = 'ring-a';
export const TARGET = 'ring-b';
// Addresses no line of /etc/hosts names (pod-hostnames.ts checks), one range per ring.
export const A_ADDRESSES = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
export const B_ADDRESSES = ['127.0.3.1', '127.0.3.2', '127.0.3.3'];

/** The DNS service the pods of a cluster are named under (pod-hostnames.ts). */
export const serviceOf = (cluster: string) => `${cluster}-seeds`;

/** Started by start(), stopped by stop() whatever start() got to. */
export class CrossClusterTier {
  private readonly work = workDir('real-xrestore');
  readonly bucket = `file://${join(this.work.dir, 'buckets', 'bucket')}`;
  /** Where every node's processes see their own folder: one set of paths for the operator. */
  private readonly viewPath = join(this.work.dir, 'node');
  kc!: KubeConfig;
  namespace!: string;
  backups!: Backups;
  restores!: Restores;
  syncs!: Syncs;
  private core!: CoreV1Api;
  private operator: OperatorProcess | undefined;
  private ports!: { cql: number; icarus: number };
  private hostsFileOption!: string;
  private rings = new Map<string, Ring>();
  private clients: RingCql[] = [];

  async start(): Promise<void> {
    this.kc = kubeConfig();
    this.core = this.kc.makeApiClient(CoreV1Api);
    const namespace = (this.namespace = await createNamespace(this.kc, 'real-xrestore'));
    await this.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'no-credentials' } } });
    const all = [...A_ADDRESSES, ...B_ADDRESSES];
    this.ports = { cql: await freePortOnAll(all), icarus: await freePortOnAll(all) };
    const pods = (cluster: string, addresses: string[]) => ({
      service: serviceOf(cluster),
      pods: addresses.map((address, i) => ({ pod: realNodePodName(cluster, DC, i), address })),
    });
    this.hostsFileOption = podHostsFile(join(this.work.dir, 'pod-hosts'), namespace, [
      pods(SOURCE, A_ADDRESSES),
      pods(TARGET, B_ADDRESSES),
    ]);
    this.operator = startOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('real-xrestore'),
      ICARUS_PORT: String(this.ports.icarus),
      ICARUS_GENERATION: 'auto',
      ICARUS_POLL_INTERVAL_MS: '500',
      // What startCassandra's nodes see under the view (dev/real/cassandra.ts): <view>/cassandra/data.
      CASSANDRA_DATA_DIRS: join(this.viewPath, 'cassandra', 'data'),
      CASSANDRA_DIRECTORY: join(this.viewPath, 'cassandra'),
      RESTORE_DOWNLOAD_DIR: `file://${this.viewPath}/downloads`,
    });
    const logs = () => this.operator?.logs.slice(-40).join('\n') ?? '';
    this.backups = new Backups(this.kc, namespace, logs);
    this.restores = new Restores(this.kc, namespace, logs);
    this.syncs = new Syncs(this.kc, namespace, logs);
    await this.operator.waitForLog(/Worker running/);
  }

  /**
   * A ring of a cluster on its addresses (node i with tokens[i] at its first start when given), its
   * pods (`<cluster>-cassandra-<dc>-<i>` at address i), and a CQL client through its first node once
   * that node knows all of them: with the nodes, by address.
   */
  async startRing(
    cluster: string,
    addresses: string[],
    tokens?: string[][],
  ): Promise<{ cql: RingCql; nodes: RingNodeIdentity[]; ms: number }> {
    const started = Date.now();
    const ring = await startRing({
      workDir: join(this.work.dir, cluster),
      viewPath: this.viewPath,
      clusterName: cluster,
      addresses,
      cqlPort: this.ports.cql,
      icarusPort: this.ports.icarus,
      sidecar: { jvmArgs: [this.hostsFileOption] },
      ...(tokens ? { tokens } : {}),
    });
    this.rings.set(cluster, ring);
    const cql = await RingCql.connect(addresses[0] ?? '', this.ports.cql, DC);
    this.clients.push(cql);
    const nodes = await inOrder(cql, addresses);
    const ms = Date.now() - started;
    await this.createPods(cluster, addresses);
    return { cql, nodes, ms };
  }

  /** Pods of a cluster whose pod i is the node at addresses[i]. */
  async createPods(cluster: string, addresses: string[]): Promise<void> {
    for (const [index, address] of addresses.entries()) {
      await createRealNodePod(this.kc, this.namespace, cluster, DC, { index, address });
    }
  }

  /** The cluster is lost: its nodes stop and its Pods go. */
  async lose(cluster: string, cql: RingCql): Promise<void> {
    await cql.close();
    this.clients = this.clients.filter((c) => c !== cql);
    await this.rings.get(cluster)?.stop();
    this.rings.delete(cluster);
    const pods = await this.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `cassandra-cluster-instance=${cluster}`,
    });
    for (const p of pods.items) {
      await this.core.deleteNamespacedPod({ namespace: this.namespace, name: p.metadata?.name ?? '' });
    }
  }

  async stop(): Promise<void> {
    await this.operator?.stop();
    for (const c of this.clients) await c.close();
    for (const r of [...this.rings.values()].reverse()) await r.stop();
    this.work.remove();
  }
}

/** The ring's nodes, in the order of its addresses, once the contact node knows every one of them. */
function inOrder(cql: RingCql, addresses: string[]): Promise<RingNodeIdentity[]> {
  let known: RingNodeIdentity[] = [];
  return eventually(
    `every node of ${addresses.join(', ')} in the ring`,
    async () => {
      known = await cql.nodes();
      const nodes = addresses.map((a) => known.find((k) => k.address === a && k.tokens.length > 0));
      return nodes.every((n) => n !== undefined) ? nodes : undefined;
    },
    { describe: () => `known: ${JSON.stringify(known)}` },
  );
}
