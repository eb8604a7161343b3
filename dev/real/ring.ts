// A ring of real Cassandra 5.0 nodes on loopback, each with the Icarus-compatible sidecar next to it: the
// first node seeds itself, the others join it one after the other, without bootstrap (the ring starts
// empty: there is nothing to stream; and a bootstrap requires gossip with a seed within the ring delay,
// 1 s here, which a loaded machine missed: "Unable to contact any seeds", the third node of three). With
// more than one node, each node's processes see their own folder at one shared path (node-view.ts), so
// one set of paths (the operator's CASSANDRA_DATA_DIRS, RESTORE_DOWNLOAD_DIR) fits every node; one node
// runs without a view.
import { join } from 'node:path';
import { startCassandra, type CassandraNode } from './cassandra.js';
import { startIcarusNode, type IcarusNode, type SidecarOptions } from './icarus-node.js';

/** Where a node's sidecar listens and what it sees: to start it again (restartSidecar). */
export type SidecarPlace = Omit<Parameters<typeof startIcarusNode>[0], keyof SidecarOptions>;

export interface RingNode {
  readonly cassandra: CassandraNode;
  /** Its sidecar: replaced when it is started again. */
  icarus: IcarusNode;
  readonly sidecarAt: SidecarPlace;
}

export interface Ring {
  readonly nodes: RingNode[];
  /** The path every node's processes see their own folder at (the view), or the one node's folder. */
  readonly home: string;
  /** Sidecars first, then Cassandra, the last node first. */
  stop(): Promise<void>;
}

export async function startRing(opts: {
  /** Holds each node's folder (node-1, node-2, ... with a view; the one node's files without). */
  workDir: string;
  clusterName: string;
  /** One node per address, in order; the first is the seed. */
  addresses: readonly string[];
  /** The shared path of the node views; join(workDir, 'node') when not given and there are several. */
  viewPath?: string;
  /** Ports every node listens on, each on its own address, as Pods do; free per node when not given. */
  cqlPort?: number;
  icarusPort?: number;
  sidecar?: SidecarOptions;
  /** Each node's tokens at its first start, by index (cassandra.ts initialTokens); random if not given. */
  tokens?: readonly (readonly string[])[];
}): Promise<Ring> {
  if (opts.tokens && opts.tokens.length !== opts.addresses.length) {
    throw new Error(`${opts.tokens.length} token lists for ${opts.addresses.length} nodes`);
  }
  if (opts.addresses.length === 0) throw new Error('a ring needs at least one address');
  const several = opts.addresses.length > 1;
  const viewPath = opts.viewPath ?? (several ? join(opts.workDir, 'node') : undefined);
  const nodes: RingNode[] = [];
  const stop = async () => {
    for (const n of [...nodes].reverse()) {
      await n.icarus.stop();
      await n.cassandra.stop();
    }
  };
  let cassandraNode: CassandraNode | undefined;
  try {
    for (const [i, address] of opts.addresses.entries()) {
      const view = viewPath ? { path: viewPath, folder: join(opts.workDir, `node-${i + 1}`) } : undefined;
      const nodeDir = view?.folder ?? opts.workDir;
      cassandraNode = await startCassandra({
        workDir: nodeDir,
        clusterName: opts.clusterName,
        address,
        ...(opts.cqlPort ? { cqlPort: opts.cqlPort } : {}),
        ...(nodes[0] ? { seeds: [nodes[0].cassandra.seed], autoBootstrap: false } : {}),
        ...(view ? { view } : {}),
        ...(opts.tokens?.[i] ? { initialTokens: opts.tokens[i] } : {}),
      });
      const sidecarAt: SidecarPlace = {
        workDir: nodeDir,
        jmxPort: cassandraNode.jmxPort,
        host: address,
        ...(opts.icarusPort ? { port: opts.icarusPort } : {}),
        ...(view ? { view } : {}),
      };
      const icarus = await startIcarusNode({ ...sidecarAt, ...opts.sidecar });
      nodes.push({ cassandra: cassandraNode, icarus, sidecarAt });
      cassandraNode = undefined;
    }
  } catch (err) {
    // A node whose sidecar did not start is not in `nodes` yet.
    await cassandraNode?.stop();
    await stop();
    throw err;
  }
  return { nodes, home: viewPath ?? opts.workDir, stop };
}
