// The operations each simulated node holds, read over its Icarus API (as `GET /operations` returns them:
// request fields unwrapped, times in ISO form).
import type { PodCluster } from '../dev/simulated-pods.js';

export interface NodeOperation {
  node: string;
  id: string;
  type: string;
  state: string;
  snapshotTag?: string;
  restorationPhase?: string;
  creationTime: number;
  completionTime: number | undefined;
}

export async function operationsOf(c: PodCluster): Promise<NodeOperation[]> {
  const lists = await Promise.all(
    c.cluster.nodes.map(async (n) => {
      const res = await fetch(`${n.simulator.url}/operations`);
      if (!res.ok) throw new Error(`GET ${n.simulator.url}/operations: ${res.status}`);
      const ops = (await res.json()) as Record<string, unknown>[];
      return ops.map((o) => ({
        node: n.identity.address,
        id: String(o.id),
        type: String(o.type),
        state: String(o.state),
        snapshotTag: typeof o.snapshotTag === 'string' ? o.snapshotTag : undefined,
        restorationPhase: typeof o.restorationPhase === 'string' ? o.restorationPhase : undefined,
        creationTime: Date.parse(String(o.creationTime)),
        completionTime: typeof o.completionTime === 'string' ? Date.parse(o.completionTime) : undefined,
      }));
    }),
  );
  return lists.flat();
}

/** POSTs of `type` each node received for `tag` (from the simulator's record, which a restart keeps). */
export function postsFor(c: PodCluster, type: string, tag: string): number[] {
  return c.cluster.nodes.map(
    (n) => n.simulator.received.filter((r) => r.type === type && r.request.snapshotTag === tag).length,
  );
}
