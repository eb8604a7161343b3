// A resource's verdict in the storm (./checks.ts): its outcome as it went (the FAILED steps, the retries,
// the end), whether it ended as designed and, when not, why; what it cost (operations lost, duplicated,
// submitted again after a restart, TRUNCATEs, operations that ran after a cancel). And what every
// resource is checked for: its FAILED steps documented and explained by the faults, and no second
// request for the same purpose while Icarus still held the first.
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { OperationRecord, ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import type { PodCluster } from '../cassandra-pods.js';
import type { Evidence } from './evidence.js';
import type { ResourceClass } from './load.js';
import { restartedSince, TRUNCATE_REASONS, type Journal } from './journal.js';

export interface Verdict {
  name: string;
  class: ResourceClass | 'cluster';
  outcome: string;
  asDesigned: boolean;
  lost: number;
  duplicated: number;
  resubmitted: number;
  truncates: number;
  /** Operations submitted after the cancel that still ran to COMPLETED. */
  afterCancel: number;
  violations: string[];
}

export type Node = PodCluster['cluster']['nodes'][number];

export const iso = (ms: number) => new Date(ms).toISOString();
export const reasonOf = (r: CassandraBackup | CassandraRestore) =>
  r.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;

export const short = (id: string | undefined) => (id ?? 'none').slice(0, 8);

/** A verdict on a resource, as designed until a check says otherwise (the storm's own problems with it count). */
export function verdict(j: Journal): Verdict {
  return {
    name: j.name,
    class: j.class,
    outcome: outcomeOf(j),
    asDesigned: true,
    lost: 0,
    duplicated: 0,
    resubmitted: 0,
    truncates: 0,
    afterCancel: 0,
    violations: [...j.problems],
  };
}

/** "FAILED TruncateLost → retry → COMPLETED" */
export function outcomeOf(j: Journal): string {
  const steps = j.failures.map((f, i) => `FAILED ${f.reason}${j.retries[i] ? ' → retry' : ''}`);
  const end = j.end;
  const last =
    end === 'gone'
      ? 'gone'
      : end?.status?.state === 'FAILED' && j.failures.length > j.retries.length
        ? undefined
        : end
          ? `${end.status?.state ?? 'no status'}${j.ended ? '' : ` (${reasonOf(end) ?? '?'}, never ended)`}`
          : 'never created';
  return [...steps, ...(last ? [last] : [])].join(' → ');
}

/** The FAILED steps on the way: documented, and explained by the faults. */
export function checkFailures(j: Journal, e: Evidence, v: Verdict): void {
  const restartsIn = (from: number, to: number) =>
    j.cluster.cluster.nodes.map(
      (n) => n.simulator.restarts.filter((t) => t >= iso(from) && t <= iso(to)).length,
    );
  for (const [i, f] of j.failures.entries()) {
    if (!e.documented.has(f.reason))
      v.violations.push(`FAILED ${f.reason}: a reason docs/troubleshooting.md does not name`);
    const restarts = restartsIn(j.createdAt, f.at);
    // A lost TRUNCATE needs a restart within its own attempt: since the retry before it.
    const attemptFrom = i > 0 ? (j.retries[i - 1]?.at ?? j.createdAt) : j.createdAt;
    const designed =
      (f.reason === 'IcarusOperationLost' && restarts.some((n) => n >= 3)) ||
      (j.kind === 'restore' && TRUNCATE_REASONS.has(f.reason) && restartedSince(j, attemptFrom, f.at));
    if (!designed)
      v.violations.push(`FAILED ${f.reason}, not a designed end of these faults: ${f.message.slice(0, 200)}`);
  }
  const end = j.end;
  if (!j.ended) {
    const state =
      end && end !== 'gone' ? `${end.status?.state} (${reasonOf(end) ?? 'no reason'})` : 'not there';
    v.violations.push(`never ended: still ${state} when the storm gave up waiting`);
    return;
  }
  if (end && end !== 'gone' && end.status?.state === 'FAILED')
    v.violations.push(`still FAILED ${reasonOf(end)} after ${j.retries.length} retries`);
  if (end && end !== 'gone' && end.status?.state === 'CANCELLED')
    v.violations.push(`CANCELLED (${reasonOf(end)}) though nobody cancelled it`);
}

/** Second requests for the same purpose on a node: while Icarus still had the first (no restart between), or after a restart. */
export function repeats(
  node: Node,
  requests: ReceivedRequest[],
  key: (r: ReceivedRequest) => string,
): { duplicates: { first: ReceivedRequest; second: ReceivedRequest }[]; resubmitted: number } {
  const groups = new Map<string, ReceivedRequest[]>();
  for (const r of requests) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const duplicates: { first: ReceivedRequest; second: ReceivedRequest }[] = [];
  let resubmitted = 0;
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => a.at.localeCompare(b.at));
    for (let i = 1; i < sorted.length; i++) {
      const first = sorted[i - 1] as ReceivedRequest;
      const second = sorted[i] as ReceivedRequest;
      if (node.simulator.restarts.some((t) => t >= first.at && t <= second.at)) {
        resubmitted += 1;
        continue;
      }
      const op: OperationRecord | undefined = node.simulator.operation(first.operationId);
      const heldStill = !op || op.completionTime === null || op.completionTime > second.at;
      if (heldStill) duplicates.push({ first, second });
    }
  }
  return { duplicates, resubmitted };
}

/** The repeats of a node's requests counted on the verdict; a duplicate is a violation. */
export function countRepeats(
  j: Journal,
  v: Verdict,
  node: Node,
  requests: ReceivedRequest[],
  key: (r: ReceivedRequest) => string,
) {
  const { duplicates, resubmitted } = repeats(node, requests, key);
  v.resubmitted += resubmitted;
  v.duplicated += duplicates.length;
  for (const d of duplicates)
    v.violations.push(
      `node ${node.identity.address}: ${key(d.second).split('|')[0]} operation ${short(d.second.operationId)} sent while Icarus still ran ${short(d.first.operationId)}`,
    );
}
