// What the storm holds each resource to, by what Icarus received and ran rather than by the status alone.
// Pure: the evidence (journals, what every simulated node received, workflow histories, Events, the
// workflows still running) is gathered first (evidence.ts), so each check can be shown to fail
// (test/unit/storm/checks.test.ts).
//
// Ended as designed, per class:
//   backup            COMPLETED, Succeeded=True, for the generation its spec is at (observedGeneration ==
//                     metadata.generation); each node's operation in the status is the one Icarus ran last
//                     for that tag, COMPLETED, written to the spec's current storageLocation; a topology
//                     upload COMPLETED there too. A FAILED on the way must carry a documented reason that
//                     the faults explain (IcarusOperationLost after three restarts of a node), and the
//                     person's retry must complete it.
//   edited backup     the same, with the location the edit set.
//   deleted backup    gone; no Icarus operation submitted after the cancel signal (or the delete, when no
//                     signal came) ran to COMPLETED; the BackupCancelled Event claims no more operations
//                     stopped than Icarus stopped.
//   restore (both)    COMPLETED, every phase COMPLETED on every node, the status's last operation per
//                     node COMPLETED in Icarus, rows right after equal to the backup's (unless another
//                     restore of the cluster was busy then), TRUNCATE at most once per attempt (a second one
//                     only after a person's retry of a lost TRUNCATE); a FAILED on the way only for
//                     TruncateLost or TruncateOutcomeUnknown after a restart of the cluster's sidecars during
//                     that attempt (a person retries those as long as the faults explain them).
// For every resource: no second operation for the same node and purpose while Icarus still held the
// first (a restart in between makes it a resubmission, which is right); and no workflow still running
// unless its resource waits for a person with a documented reason.
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { OperationRecord, ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import type { PodCluster } from '../cassandra-pods.js';
import { CLASSES, type ResourceClass } from './load.js';
import { restartedSince, TRUNCATE_REASONS, type Journal } from './people.js';

export interface WorkflowFacts {
  /** The workflow existed. */
  found: boolean;
  /** When the `cancel` signal reached its history (epoch ms). */
  cancelAt?: number;
  /** Restores: the TRUNCATE operations its submit activities returned. */
  truncateOps: string[];
}

export interface Evidence {
  journals: Journal[];
  /** Requests before this (ISO) were the set-up's (the restores' source backups). */
  stormStart: string;
  histories: Map<string, WorkflowFacts>;
  events: Map<string, { reason: string; type: string; message: string }[]>;
  /** Workflows of the namespace still running after the settle: id and the resource's name. */
  running: { id: string; name: string }[];
  /** Reasons named in docs/troubleshooting.md. */
  documented: Set<string>;
}

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

type Node = PodCluster['cluster']['nodes'][number];

const iso = (ms: number) => new Date(ms).toISOString();
const reasonOf = (r: CassandraBackup | CassandraRestore) =>
  r.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;

/** The reasons named in docs/troubleshooting.md: its headings and the codes in backticks. */
export function documentedReasons(markdown: string): Set<string> {
  const reasons = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (line.startsWith('### ')) for (const m of line.matchAll(/\b[A-Z][A-Za-z0-9]+\b/g)) reasons.add(m[0]);
    for (const m of line.matchAll(/`([A-Z][A-Za-z0-9]+)`/g)) reasons.add(m[1] ?? '');
  }
  return reasons;
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

const short = (id: string | undefined) => (id ?? 'none').slice(0, 8);

/** The location a request names for its node (`s3://bucket/cluster/dc/host`) without the node's three parts. */
export function specLocationOf(request: Record<string, unknown>): string {
  const location = typeof request.storageLocation === 'string' ? request.storageLocation : '';
  const m = /^([a-z0-9]+:\/\/)(.*)$/.exec(location.replace(/\/+$/, ''));
  if (!m) return location;
  const parts = (m[2] ?? '').split('/');
  return parts.length > 3 ? `${m[1]}${parts.slice(0, -3).join('/')}` : location;
}

export function checkAll(e: Evidence): Verdict[] {
  const verdicts = e.journals.map((j) =>
    j.class === 'backup, deleted 0–50 ms after create'
      ? checkDeleted(j, e)
      : j.kind === 'backup'
        ? checkBackup(j, e)
        : checkRestore(j, e),
  );
  verdicts.push(...checkRestoreClusters(e));
  checkRunning(e, verdicts);
  return verdicts;
}

function verdict(j: Journal): Verdict {
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
function checkFailures(j: Journal, e: Evidence, v: Verdict): void {
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

function backupRequests(j: Journal, node: Node): ReceivedRequest[] {
  return node.simulator.received.filter(
    (r) =>
      r.type === 'backup' &&
      typeof r.request.snapshotTag === 'string' &&
      r.request.snapshotTag.startsWith(`${j.name}-`),
  );
}

function countRepeats(
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

const backupKey = (r: ReceivedRequest) =>
  `${r.request.uploadClusterTopology === true ? 'topology upload' : 'backup'}|${String(r.request.snapshotTag)}|${String(r.request.storageLocation)}`;

function checkBackup(j: Journal, e: Evidence): Verdict {
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

function checkDeleted(j: Journal, e: Evidence): Verdict {
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

const restoreKey = (r: ReceivedRequest) =>
  `${String(r.request.restorationPhase)}|${String(r.request.snapshotTag)}|${String(r.request.storageLocation)}`;

function checkRestore(j: Journal, e: Evidence): Verdict {
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
function checkRestoreClusters(e: Evidence): Verdict[] {
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

/** A workflow still running must belong to a resource that waits for a person, with a documented reason. */
function checkRunning(e: Evidence, verdicts: Verdict[]): void {
  for (const w of e.running) {
    const j = e.journals.find((x) => x.name === w.name);
    const v = verdicts.find((x) => x.name === w.name);
    const end = j?.end;
    const waiting =
      end && end !== 'gone' && (end.status?.state === 'FAILED' || end.status?.state === 'PENDING')
        ? reasonOf(end)
        : undefined;
    if (waiting && e.documented.has(waiting)) continue;
    const problem = `workflow ${w.id} still running, waiting without a reason (the resource is ${
      !end ? 'unknown to the storm' : end === 'gone' ? 'gone' : `${end.status?.state} ${reasonOf(end) ?? ''}`
    })`;
    if (v) {
      v.violations.push(problem);
      v.asDesigned = false;
    } else
      verdicts.push({
        name: w.name,
        class: 'cluster',
        outcome: 'workflow left running',
        asDesigned: false,
        lost: 0,
        duplicated: 0,
        resubmitted: 0,
        truncates: 0,
        afterCancel: 0,
        violations: [problem],
      });
  }
}

export { CLASSES };
