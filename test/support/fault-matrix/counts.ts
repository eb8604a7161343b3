// What the simulated nodes' requests tell of one resource of the fault matrix (../fault-matrix.ts):
// operations lost, duplicated, submitted again after Icarus forgot them, TRUNCATEs sent; and whether
// its status shows what Icarus ran (a backup's nodes, a restore's phases and rows).
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import { RESTORE_PHASES, TABLE, type Subject } from './subjects.js';

export interface Counts {
  lost: number;
  duplicated: number;
  resubmitted: number;
  truncates: number;
}

/** Requests of one node since the subject started, grouped by what they are for. */
function requestsOf(
  s: Subject,
  node: number,
  key: (r: ReceivedRequest) => string | undefined,
): Map<string, ReceivedRequest[]> {
  const sim = s.cluster.cluster.nodes[node]?.simulator;
  const groups = new Map<string, ReceivedRequest[]>();
  for (const r of sim?.received.slice(s.mark[node]) ?? []) {
    const k = key(r);
    if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return groups;
}

/**
 * A second request for the same node and purpose is a resubmission when the node restarted in between
 * (Icarus lost the first), a `retry` when a person asked for it, and a duplicate otherwise.
 */
function classify(
  restarts: string[],
  requests: ReceivedRequest[],
  retried?: string,
): { resubmitted: number; duplicated: number } {
  let resubmitted = 0;
  let duplicated = 0;
  for (let i = 1; i < requests.length; i++) {
    const prev = (requests[i - 1] as ReceivedRequest).at;
    const at = (requests[i] as ReceivedRequest).at;
    if (retried && retried > prev && retried < at) continue;
    if (restarts.some((t) => t > prev && t < at)) resubmitted += 1;
    else duplicated += 1;
  }
  return { resubmitted, duplicated };
}

/** A backup's counts; what its status gets wrong goes to `problems`. */
export function checkBackup(s: Subject, b: CassandraBackup, problems: string[]): Counts {
  const tag = b.status?.snapshotTag;
  const counts: Counts = { lost: 0, duplicated: 0, resubmitted: 0, truncates: 0 };
  s.cluster.cluster.nodes.forEach((node, i) => {
    const groups = requestsOf(s, i, (r) =>
      r.type === 'backup' && r.request.snapshotTag === tag
        ? r.request.uploadClusterTopology === true
          ? 'topology'
          : 'data'
        : undefined,
    );
    for (const requests of groups.values()) {
      const c = classify(node.simulator.restarts, requests);
      counts.duplicated += c.duplicated;
      counts.resubmitted += c.resubmitted;
    }
    const data = groups.get('data') ?? [];
    const last = data.at(-1);
    if (!last || node.simulator.stateOf(last.operationId) !== 'COMPLETED') counts.lost += 1;
    const shown = b.status?.nodes?.find((n) => n.address?.startsWith(node.identity.address));
    if (shown?.operationId !== last?.operationId)
      problems.push(
        `node ${node.identity.address}: status shows operation ${shown?.operationId}, Icarus ran ${last?.operationId}`,
      );
    if (shown?.state !== 'COMPLETED' || shown.progress !== 100)
      problems.push(`node ${node.identity.address}: status ${shown?.state} ${shown?.progress}%`);
  });
  if (b.status?.progress !== 100) problems.push(`progress ${b.status?.progress}`);
  if ((b.status?.errors ?? []).length > 0)
    problems.push(`errors on a completed backup: ${JSON.stringify(b.status?.errors)}`);
  return counts;
}

/** A restore's counts (a TRUNCATE sent again after `retried` is the person's); what is wrong goes to `problems`. */
export function checkRestore(
  s: Subject,
  r: CassandraRestore,
  retried: string | undefined,
  problems: string[],
): Counts {
  const counts: Counts = { lost: 0, duplicated: 0, resubmitted: 0, truncates: 0 };
  let truncateNodes = 0;
  s.cluster.cluster.nodes.forEach((node, i) => {
    const groups = requestsOf(s, i, (x) =>
      x.type === 'restore' ? String(x.request.restorationPhase) : undefined,
    );
    for (const [phase, requests] of groups) {
      const c = classify(node.simulator.restarts, requests, phase === 'TRUNCATE' ? retried : undefined);
      counts.duplicated += c.duplicated;
      counts.resubmitted += c.resubmitted;
    }
    counts.truncates += groups.get('TRUNCATE')?.length ?? 0;
    if (groups.has('TRUNCATE')) truncateNodes += 1;
    for (const phase of RESTORE_PHASES) {
      const last = groups.get(phase)?.at(-1);
      if (phase === 'TRUNCATE' && !last) continue;
      if (!last || node.simulator.stateOf(last.operationId) !== 'COMPLETED') counts.lost += 1;
    }
    const shown = r.status?.nodes?.find((n) => n.address?.startsWith(node.identity.address));
    const cleanup = groups.get('CLEANUP')?.at(-1);
    if (
      shown?.operationId !== cleanup?.operationId ||
      shown?.phase !== 'CLEANUP' ||
      shown.state !== 'COMPLETED'
    )
      problems.push(
        `node ${node.identity.address}: status shows ${shown?.phase} ${shown?.operationId} ${shown?.state}`,
      );
  });
  if (truncateNodes !== 1) {
    counts.lost += truncateNodes === 0 ? 1 : 0;
    problems.push(`TRUNCATE went to ${truncateNodes} nodes`);
  }
  for (const p of r.status?.phases ?? []) {
    if (p.state !== 'COMPLETED' || p.completedNodes !== p.nodes)
      problems.push(`phase ${p.name}: ${p.state} ${p.completedNodes}/${p.nodes}`);
  }
  const rows = s.cluster.cluster.nodes.map((n) => n.data.get(TABLE));
  if (JSON.stringify(rows) !== JSON.stringify(s.seeded))
    problems.push(`rows after the restore: ${JSON.stringify(rows)}`);
  return counts;
}
