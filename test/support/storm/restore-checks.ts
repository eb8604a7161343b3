// What the storm holds a restore to (./checks.ts has the rules): COMPLETED with every phase on every
// node, the rows of its backup, TRUNCATE at most once an attempt; and per restore cluster, no phase sent
// twice while Icarus still ran it, every TRUNCATE accounted for by a restore's history, the rows it ends
// with.
import type { CassandraRestore } from '../../../src/kube/api/resources.js';
import type { ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import type { Evidence } from './evidence.js';
import { TRUNCATE_REASONS, type Journal } from './journal.js';
import { checkFailures, outcomeOf, repeats, short, verdict, type Verdict } from './verdict.js';

const restoreKey = (r: ReceivedRequest) =>
  `${String(r.request.restorationPhase)}|${String(r.request.snapshotTag)}|${String(r.request.storageLocation)}`;

export function checkRestore(j: Journal, e: Evidence): Verdict {
  const v = verdict(j);
  checkFailures(j, e, v);
  const facts = e.histories.get(j.name);
  v.truncates = new Set(facts?.truncateOps ?? []).size;
  const allowed = 1 + j.retries.filter((r) => TRUNCATE_REASONS.has(r.afterReason)).length;
  if (v.truncates > allowed)
    v.violations.push(`${v.truncates} TRUNCATEs for ${allowed} attempt(s) that may truncate`);
  const r = j.end;
  if (r && r !== 'gone' && r.status?.state === 'COMPLETED') {
    const restore = r as CassandraRestore;
    for (const p of restore.status?.phases ?? [])
      if (p.state !== 'COMPLETED' || p.completedNodes !== p.nodes)
        v.violations.push(
          `COMPLETED with phase ${p.name} ${p.state} on ${p.completedNodes}/${p.nodes} nodes`,
        );
    for (const node of j.cluster.cluster.nodes) {
      const shown = restore.status?.nodes?.find((n) => n.address?.startsWith(node.identity.address));
      const state = shown?.operationId ? node.simulator.operation(shown.operationId)?.state : undefined;
      if (shown?.phase !== 'CLEANUP' || state !== 'COMPLETED') {
        v.lost += 1;
        v.violations.push(
          `node ${node.identity.address}: the status shows ${shown?.phase} ${short(shown?.operationId)}, Icarus has it ${state}`,
        );
      }
    }
    if (
      j.rowsAtEnd &&
      !j.rowsAtEnd.othersBusy &&
      JSON.stringify(j.rowsAtEnd.rows) !== JSON.stringify(j.source?.rows)
    )
      v.violations.push(
        `rows right after COMPLETED: ${JSON.stringify(j.rowsAtEnd.rows)}; the backup had ${JSON.stringify(j.source?.rows)}`,
      );
  }
  v.asDesigned = v.violations.length === 0;
  return v;
}

/**
 * Per restore cluster: repeats of the same phase (its restores share tag and location, so they are
 * counted on the cluster), every TRUNCATE any restore's history accounts for, and the rows it ends with.
 */
export function checkRestoreClusters(e: Evidence): Verdict[] {
  const clusters = [...new Set(e.journals.filter((j) => j.kind === 'restore').map((j) => j.cluster))];
  return clusters.map((cluster) => {
    const mine = e.journals.filter((j) => j.kind === 'restore' && j.cluster === cluster);
    const v: Verdict = {
      name: cluster.cluster.opts.name,
      class: 'cluster',
      outcome: '',
      asDesigned: true,
      lost: 0,
      duplicated: 0,
      resubmitted: 0,
      truncates: 0,
      afterCancel: 0,
      violations: [],
    };
    const accounted = new Set(mine.flatMap((j) => e.histories.get(j.name)?.truncateOps ?? []));
    for (const node of cluster.cluster.nodes) {
      const requests = node.simulator.received.filter((r) => r.type === 'restore' && r.at >= e.stormStart);
      const { duplicates, resubmitted } = repeats(node, requests, restoreKey);
      v.resubmitted += resubmitted;
      v.duplicated += duplicates.length;
      for (const d of duplicates)
        v.violations.push(
          `node ${node.identity.address}: ${String(d.second.request.restorationPhase)} ${short(d.second.operationId)} sent while Icarus still ran ${short(d.first.operationId)}`,
        );
      for (const r of requests.filter((x) => x.request.restorationPhase === 'TRUNCATE')) {
        v.truncates += 1;
        const op = node.simulator.operation(r.operationId);
        const lostByRestart = op?.completionTime === null;
        if (!accounted.has(r.operationId) && !lostByRestart)
          v.violations.push(
            `node ${node.identity.address}: TRUNCATE ${short(r.operationId)} ran (${op?.state}) and is in no restore's history`,
          );
      }
    }
    const rows = cluster.cluster.nodes.map((n) => n.data.get('shop.orders'));
    const expected = mine[0]?.source?.rows;
    if (JSON.stringify(rows) !== JSON.stringify(expected))
      v.violations.push(
        `ends with rows ${JSON.stringify(rows)} after ${mine.map((j) => `${j.name}: ${outcomeOf(j)}`).join('; ')}; the backup had ${JSON.stringify(expected)}`,
      );
    v.outcome = `${mine.length} restore(s)`;
    v.asDesigned = v.violations.length === 0;
    return v;
  });
}
