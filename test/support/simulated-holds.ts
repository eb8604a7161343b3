// Waiting on simulated Icarus nodes held half-way (IcarusSimulator.hold): until every node of a cluster
// holds an operation, and until Icarus was asked to stop every operation of a phase (a held operation
// moves again only on release, and then ends as the cancel asked).
import type { PodCluster } from './cassandra-pods.js';
import { eventually } from './wait.js';

/** Until every node of `c` holds one operation at its hold. */
export async function everyNodeHolding(
  c: PodCluster,
  what = 'every node holding its operation',
): Promise<void> {
  await eventually(what, () =>
    Promise.resolve(c.cluster.nodes.every((n) => n.simulator.heldCount() === 1) || undefined),
  );
}

/**
 * Until Icarus was asked to stop each restore operation of `phase` on every node (those received since
 * `since`, an ISO time, when given: a node may hold older, finished ones).
 */
export async function everyStopRequested(c: PodCluster, phase: string, since = ''): Promise<void> {
  await eventually(`Icarus asked to stop every ${phase}`, () =>
    Promise.resolve(
      c.cluster.nodes.every((n) => {
        const ops = n.simulator.received.filter((r) => r.request.restorationPhase === phase && r.at >= since);
        return ops.length > 0 && ops.every((r) => n.simulator.operation(r.operationId)?.cancelRequested);
      }) || undefined,
    ),
  );
}
