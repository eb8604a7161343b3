// What the storm holds a backup to (./checks.ts has the rules per class): an edited or untouched backup
// COMPLETED for its current spec by the operations Icarus ran last, with its topology upload; a deleted
// one gone, with nothing submitted after the cancel run to COMPLETED and no more operations claimed
// stopped than Icarus stopped.
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import type { ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import type { Evidence } from './evidence.js';
import type { Journal } from './journal.js';
import {
  checkFailures,
  countRepeats,
  iso,
  reasonOf,
  short,
  verdict,
  type Node,
  type Verdict,
} from './verdict.js';

/** The location a request names for its node (`s3://bucket/cluster/dc/host`) without the node's three parts. */
export function specLocationOf(request: Record<string, unknown>): string {
  const location = typeof request.storageLocation === 'string' ? request.storageLocation : '';
  const m = /^([a-z0-9]+:\/\/)(.*)$/.exec(location.replace(/\/+$/, ''));
  if (!m) return location;
  const parts = (m[2] ?? '').split('/');
  return parts.length > 3 ? `${m[1]}${parts.slice(0, -3).join('/')}` : location;
}

function backupRequests(j: Journal, node: Node): ReceivedRequest[] {
  return node.simulator.received.filter(
    (r) =>
      r.type === 'backup' &&
      typeof r.request.snapshotTag === 'string' &&
      r.request.snapshotTag.startsWith(`${j.name}-`),
  );
}

const backupKey = (r: ReceivedRequest) =>
  `${r.request.uploadClusterTopology === true ? 'topology upload' : 'backup'}|${String(r.request.snapshotTag)}|${String(r.request.storageLocation)}`;

export function checkBackup(j: Journal, e: Evidence): Verdict {
  const v = verdict(j);
  checkFailures(j, e, v);
  for (const node of j.cluster.cluster.nodes) countRepeats(j, v, node, backupRequests(j, node), backupKey);
  const b = j.end;
  // An edit that came too late (the backup ended first) is the storm's miss, not the operator's: the outcome says so.
  if (j.edit && 'missed' in j.edit) v.outcome += ` (not edited: ${j.edit.missed})`;
  if (b && b !== 'gone' && b.status?.state === 'COMPLETED') {
    const backup = b as CassandraBackup;
    const location = backup.spec.storageLocation;
    const tag = backup.status?.snapshotTag;
    if (backup.status?.observedGeneration !== backup.metadata.generation)
      v.violations.push(
        `COMPLETED for generation ${backup.status?.observedGeneration}, but the spec is at generation ${backup.metadata.generation}`,
      );
    for (const node of j.cluster.cluster.nodes) {
      const requests = backupRequests(j, node);
      const shown = backup.status?.nodes?.find((n) => n.address?.startsWith(node.identity.address));
      const ran = requests.find((r) => r.operationId === shown?.operationId);
      const last = requests
        .filter(
          (r) =>
            r.request.uploadClusterTopology !== true &&
            r.request.snapshotTag === tag &&
            specLocationOf(r.request) === location,
        )
        .at(-1);
      if (!last || node.simulator.operation(last.operationId)?.state !== 'COMPLETED') v.lost += 1;
      if (!ran) {
        v.violations.push(
          `node ${node.identity.address}: the status names operation ${short(shown?.operationId)}, which Icarus never received`,
        );
        continue;
      }
      if (specLocationOf(ran.request) !== location)
        v.violations.push(
          `node ${node.identity.address}: COMPLETED with an operation that wrote to ${specLocationOf(ran.request)}; spec.storageLocation is ${location}`,
        );
      if (last && ran.operationId !== last.operationId)
        v.violations.push(
          `node ${node.identity.address}: the status shows ${short(ran.operationId)}, Icarus ran ${short(last.operationId)} last`,
        );
      const state = node.simulator.operation(ran.operationId)?.state;
      if (state !== 'COMPLETED' || shown?.state !== 'COMPLETED')
        v.violations.push(
          `node ${node.identity.address}: the status says ${shown?.state}, Icarus has ${state}`,
        );
    }
    const topology = j.cluster.cluster.nodes.flatMap((n) =>
      backupRequests(j, n).filter(
        (r) =>
          r.request.uploadClusterTopology === true &&
          r.request.snapshotTag === tag &&
          specLocationOf(r.request) === location &&
          n.simulator.operation(r.operationId)?.state === 'COMPLETED',
      ),
    );
    if (topology.length === 0) {
      v.lost += 1;
      v.violations.push(`COMPLETED without a completed topology upload to ${location}`);
    }
    if (backup.status?.progress !== 100)
      v.violations.push(`COMPLETED at progress ${backup.status?.progress}`);
  }
  v.asDesigned = v.violations.length === 0;
  return v;
}

/**
 * How many operations a cancel Event says it stopped: "…; Icarus operations: 2 cancelled, 1 stopped
 * (ended FAILED), 1 had already completed" (and "N Icarus operation(s) stopped" before issue 19's fix).
 */
export function claimedStopped(message: string): number {
  const old = /(\d+) Icarus operation\(s\) stopped/.exec(message);
  if (old) return Number(old[1]);
  const list = /Icarus operations: ([^.;]*)/.exec(message)?.[1] ?? '';
  return [...list.matchAll(/(\d+) (cancelled|stopped)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

export function checkDeleted(j: Journal, e: Evidence): Verdict {
  const v = verdict(j);
  if (j.end !== 'gone') {
    const state = j.end ? `${j.end.status?.state} (${reasonOf(j.end)})` : 'unknown';
    v.violations.push(`still there after the delete: ${state}`);
  }
  const facts = e.histories.get(j.name);
  const cancelAt = facts?.cancelAt ?? j.deletedAt ?? j.createdAt;
  let stopped = 0;
  const seen: string[] = [];
  for (const node of j.cluster.cluster.nodes) {
    const requests = backupRequests(j, node);
    countRepeats(j, v, node, requests, backupKey);
    for (const r of requests) {
      const op = node.simulator.operation(r.operationId);
      seen.push(
        `${op?.cancelRequested && op.state === 'FAILED' ? 'stopped' : op?.state} ${Date.parse(r.at) - cancelAt >= 0 ? '+' : ''}${Date.parse(r.at) - cancelAt} ms`,
      );
      if (op?.cancelRequested && op.state === 'FAILED') stopped += 1;
      if (r.at > iso(cancelAt) && op?.state === 'COMPLETED') {
        v.afterCancel += 1;
        v.violations.push(
          `node ${node.identity.address}: operation ${short(r.operationId)} submitted ${Date.parse(r.at) - cancelAt} ms after the cancel ${facts?.cancelAt ? 'signal' : '(the delete)'} ran to COMPLETED`,
        );
      }
    }
  }
  v.outcome = `${v.outcome}; ${seen.length} Icarus operation(s)${seen.length ? ` (${seen.join(', ')} from the cancel)` : ''}; workflow ${facts?.found ? (facts.cancelAt ? 'cancelled by signal' : 'without a cancel signal') : 'never started'}`;
  for (const ev of e.events.get(j.name) ?? []) {
    const claimed = claimedStopped(ev.message);
    if (claimed > stopped)
      v.violations.push(
        `the ${ev.reason} Event says ${claimed} Icarus operation(s) were stopped; Icarus stopped ${stopped}`,
      );
  }
  v.asDesigned = v.violations.length === 0;
  return v;
}
