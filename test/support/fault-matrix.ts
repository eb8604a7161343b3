// The fault matrix of test/reliability/faults.test.ts: one backup and one restore per restore phase, each
// caught in the middle of its target (the simulated Icarus holds its operations at 50 %) when a fault
// strikes; then the operations go on and every resource is followed to its end. Each row says what the
// fault cost: the outcome, operations lost (a node or phase whose work never completed), operations
// duplicated (a second operation for the same node and phase while the first still existed), TRUNCATEs
// sent, and how long the operator took to move again once the fault was over.
import type { KubeConfig } from '@kubernetes/client-node';
import type { CassandraBackup, CassandraRestore } from '../../src/kube/api/resources.js';
import type { ReceivedRequest } from '../../dev/icarus-simulator/node.js';
import { createS3Secret, startPodCluster, type PodCluster } from './cassandra-pods.js';
import { Backups, Restores, succeeded } from './custom-resources.js';
import { startOperator, type OperatorProcess } from './operator.js';
import { createNamespace, temporalClient, uniqueName } from './stack-env.js';

export const RESTORE_PHASES = ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;
export type Target = 'backup' | (typeof RESTORE_PHASES)[number];
export const TARGETS: Target[] = ['backup', ...RESTORE_PHASES];

const TABLE = 'shop.orders';
/** Clusters of this file get their own loopback /24s (127.220.x ...): none collides with another's. */
let clusterCount = 0;
const HOLD_AT = 0.5;

/** One resource under test. */
export interface Subject {
  target: Target;
  kind: 'backup' | 'restore';
  name: string;
  cluster: PodCluster;
  /** Requests each node had received before this resource was created. */
  mark: number[];
  /** Rows per node before the restore's tables were emptied. */
  seeded?: unknown[];
}

export interface FaultContext {
  subjects: Subject[];
  /** The operator processes running now (the fault may kill and replace them). */
  operators: OperatorProcess[];
  /** Starts an operator process (watcher, worker or both) with the matrix's settings and waits until it is ready. */
  startOperator(run: 'all' | 'watcher' | 'worker'): Promise<void>;
  /** Lets the held operations go on now (the matrix does it anyway once the fault is over). */
  release(): void;
}

export interface Fault {
  scenario: string;
  /** Backups besides the five subjects, in flight with them (held like the first). */
  extraBackups?: number;
  /** Watcher and worker as two processes (to kill the worker alone). */
  splitOperator?: boolean;
  /** The operator's kubeconfig, when not the suite's (read when the operator starts). */
  kubeconfig?: () => string;
  /** What each target should end as, when not simply COMPLETED. */
  expect?: Partial<Record<Target, Expected>>;
  /** Strikes, and returns once the fault is over; it may check that it struck (throwing if not). */
  apply(ctx: FaultContext): Promise<void>;
}

/** A failure a person then answers with the `retry` signal, after which the resource completes. */
export interface Expected {
  failsWith: string;
}

export interface Row {
  scenario: string;
  target: string;
  outcome: string;
  lost: number;
  duplicated: number;
  /** Operations Icarus forgot (it restarted) that were submitted again. */
  resubmitted: number;
  truncates: number;
  /** How long the fault lasted (from striking until it was over: a process back, a server answering). */
  faultSeconds: number;
  /** Fault over → the resource moved on again, seconds (max over the row's resources). */
  recoverySeconds: number;
  problems: string[];
}

/** Runs one fault across every target; returns one row per target (extra backups folded into "backup"). */
export async function runFault(kc: KubeConfig, fault: Fault): Promise<Row[]> {
  const namespace = await createNamespace(kc, 'faults');
  await createS3Secret(kc, namespace, 'creds');
  const timing = { durationMs: 2000, pendingMs: 50 };
  const clusters = await Promise.all(
    TARGETS.map((t) =>
      startPodCluster(kc, namespace, {
        name: uniqueName(t.toLowerCase()),
        datacenters: { dc1: 3 },
        timing,
        addressPrefix: `127.${220 + Math.floor(clusterCount / 256)}.${clusterCount++ % 256}`,
        buckets: ['s3://faults'],
      }),
    ),
  );
  const operators: OperatorProcess[] = [];
  const logs = () => operators.flatMap((o) => o.logs.slice(-25)).join('\n');
  const backups = new Backups(kc, namespace, logs);
  const restores = new Restores(kc, namespace, logs);
  const env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('faults'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    HEARTBEAT_TIMEOUT_SECONDS: '3',
    SHUTDOWN_GRACE_SECONDS: '1',
  };
  const release = () => clusters.forEach((c) => c.cluster.nodes.forEach((n) => n.simulator.release()));
  const ctx: FaultContext = {
    subjects: [],
    operators,
    release,
    async startOperator(run) {
      const operator = startOperator({
        ...env,
        OPERATOR_RUN: run,
        ...(fault.kubeconfig ? { KUBECONFIG: fault.kubeconfig() } : {}),
      });
      operators.push(operator);
      if (run !== 'worker') await operator.waitForLog(/Watching CassandraBackups/);
      if (run !== 'watcher') await operator.waitForLog(/Worker running/);
    },
  };
  try {
    if (fault.splitOperator) await Promise.all([ctx.startOperator('watcher'), ctx.startOperator('worker')]);
    else await ctx.startOperator('all');

    // Every restore cluster first gets a backup to restore; then its table is emptied.
    const restoreClusters = clusters.slice(1);
    const sources = await Promise.all(
      restoreClusters.map(async (c) => {
        c.cluster.nodes.forEach((n, i) => n.data.set(TABLE, [{ id: i, item: `item-${i}` }]));
        const name = uniqueName('source');
        await backups.create(name, {
          cassandraCluster: c.cluster.opts.name,
          storageLocation: 's3://faults',
          secretName: 'creds',
        });
        await backups.waitFor(name, 'the source backup Succeeded', (b) => succeeded(b) === 'True');
        return name;
      }),
    );
    const seeded = restoreClusters.map((c) => c.cluster.nodes.map((n) => n.data.get(TABLE)));
    restoreClusters.forEach((c) => c.cluster.truncate(TABLE));

    // Hold each target's operations half-way, then start the resources.
    const mark = (c: PodCluster) => c.cluster.nodes.map((n) => n.simulator.received.length);
    clusters.forEach((c, i) => {
      const target = TARGETS[i] as Target;
      const plan =
        target === 'backup'
          ? { type: 'backup', atProgress: HOLD_AT }
          : { type: 'restore', phase: target, atProgress: HOLD_AT };
      c.cluster.nodes.forEach((n) => n.simulator.hold(plan));
    });
    const backupCluster = clusters[0] as PodCluster;
    for (let i = 0; i <= (fault.extraBackups ?? 0); i++) {
      const name = uniqueName('backup');
      ctx.subjects.push({
        target: 'backup',
        kind: 'backup',
        name,
        cluster: backupCluster,
        mark: mark(backupCluster),
      });
      await backups.create(name, {
        cassandraCluster: backupCluster.cluster.opts.name,
        storageLocation: 's3://faults',
        secretName: 'creds',
      });
    }
    for (const [i, c] of restoreClusters.entries()) {
      const name = uniqueName('restore');
      const target = RESTORE_PHASES[i] as Target;
      ctx.subjects.push({ target, kind: 'restore', name, cluster: c, mark: mark(c), seeded: seeded[i] });
      await restores.create(name, { cassandraCluster: c.cluster.opts.name, cassandraBackup: sources[i] });
    }
    await Promise.all(ctx.subjects.map((s) => waitHeld(s, backups, restores)));

    const struck = Date.now();
    await fault.apply(ctx);
    const over = Date.now();
    release();

    const results = await Promise.all(
      ctx.subjects.map((s) => follow(s, over, fault.expect?.[s.target], backups, restores)),
    );
    return TARGETS.map((target) => {
      const mine = results.filter((r) => r.subject.target === target);
      const outcomes = [...new Set(mine.map((r) => r.outcome))];
      return {
        scenario: fault.scenario,
        target:
          target === 'backup' ? `backup${mine.length > 1 ? ` ×${mine.length}` : ''}` : `restore ${target}`,
        outcome: mine.length > 1 ? `${mine.length}× ${outcomes.join(', ')}` : (outcomes[0] ?? ''),
        lost: sum(mine.map((r) => r.lost)),
        duplicated: sum(mine.map((r) => r.duplicated)),
        resubmitted: sum(mine.map((r) => r.resubmitted)),
        truncates: sum(mine.map((r) => r.truncates)),
        faultSeconds: (over - struck) / 1000,
        recoverySeconds: Math.max(...mine.map((r) => r.recoverySeconds)),
        problems: mine.flatMap((r) => r.problems.map((p) => `${r.subject.name} (${target}): ${p}`)),
      };
    });
  } finally {
    await Promise.all(operators.map((o) => o.stop()));
    await Promise.all(clusters.map((c) => c.stop()));
  }
}

/** Until the target's operations sit at the hold and the status shows it. */
async function waitHeld(s: Subject, backups: Backups, restores: Restores): Promise<void> {
  if (s.kind === 'backup') {
    await backups.waitFor(s.name, 'every node held half-way', (b) => {
      const nodes = b.status?.nodes ?? [];
      return nodes.length > 0 && nodes.every((n) => (n.progress ?? 0) >= HOLD_AT * 100);
    });
    return;
  }
  await restores.waitFor(s.name, `held half-way through ${s.target}`, (r) => {
    const nodes = (r.status?.nodes ?? []).filter((n) => n.phase === s.target);
    return (
      r.status?.phase === s.target &&
      nodes.length > 0 &&
      nodes.every((n) => (n.progress ?? 0) >= HOLD_AT * 100)
    );
  });
}

interface Result {
  subject: Subject;
  outcome: string;
  lost: number;
  duplicated: number;
  resubmitted: number;
  truncates: number;
  recoverySeconds: number;
  problems: string[];
}

/** Follows one resource to its end (sending `retry` where a person would), then checks what happened. */
async function follow(
  s: Subject,
  over: number,
  expected: Expected | undefined,
  backups: Backups,
  restores: Restores,
): Promise<Result> {
  const api = s.kind === 'backup' ? backups : restores;
  const problems: string[] = [];
  let recovered: number | undefined;
  const ended = (r: CassandraBackup | CassandraRestore) => {
    if (recovered === undefined && movedOn(s, r)) recovered = Date.now();
    return succeeded(r) === 'True' || succeeded(r) === 'False';
  };
  let end = await api.waitFor(s.name, 'an end after the fault', ended);
  let outcome = `${end.status?.state ?? '?'}`;
  let retried: string | undefined;
  if (expected) {
    const reason = end.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;
    if (succeeded(end) !== 'False' || reason !== expected.failsWith)
      problems.push(
        `expected to fail with ${expected.failsWith}, ended ${outcome} (${reason ?? 'no reason'})`,
      );
    const events = await api.events(s.name);
    if (
      !events.some(
        (e) => e.type === 'Warning' && e.reason === `${s.kind === 'backup' ? 'Backup' : 'Restore'}Failed`,
      )
    )
      problems.push('no Warning Event for the failure');
    outcome = `FAILED ${reason ?? '?'} → retry → `;
    retried = new Date().toISOString();
    const { client, close } = await temporalClient();
    try {
      await client.workflow.getHandle(end.status?.workflowId ?? '').signal('retry');
    } finally {
      await close();
    }
    end = await api.waitFor(s.name, 'COMPLETED after retry', (r) => succeeded(r) === 'True');
    outcome += end.status?.state ?? '?';
  }
  if (succeeded(end) !== 'True')
    problems.push(`ended ${end.status?.state}: ${JSON.stringify(end.status?.conditions)}`);
  const counts =
    s.kind === 'backup'
      ? checkBackup(s, end as CassandraBackup, problems)
      : checkRestore(s, end as CassandraRestore, retried, problems);
  return {
    subject: s,
    outcome,
    ...counts,
    recoverySeconds: ((recovered ?? Date.now()) - over) / 1000,
    problems,
  };
}

/** The resource moved past the point where its operations were held. */
function movedOn(s: Subject, r: CassandraBackup | CassandraRestore): boolean {
  if (succeeded(r) === 'True' || succeeded(r) === 'False') return true;
  if (s.kind === 'backup') return (r.status?.nodes ?? []).some((n) => (n.progress ?? 0) > HOLD_AT * 100);
  const status = (r as CassandraRestore).status;
  const phase = status?.phases?.find((p) => p.name === s.target);
  return (
    (status?.phase !== undefined && status.phase !== s.target) ||
    (phase?.completedNodes ?? 0) > 0 ||
    (status?.nodes ?? []).some((n) => n.phase === s.target && (n.progress ?? 0) > HOLD_AT * 100)
  );
}

interface Counts {
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

function checkBackup(s: Subject, b: CassandraBackup, problems: string[]): Counts {
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

function checkRestore(
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

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The matrix as a Markdown table. */
export function formatRows(rows: Row[]): string {
  const header =
    '| scenario | target | outcome | lost | duplicated | resubmitted (Icarus lost them) | TRUNCATEs sent | fault lasted | time to recover |';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.target} | ${r.outcome} | ${r.lost} | ${r.duplicated} | ${r.resubmitted} | ${r.target.includes('restore') ? r.truncates : '–'} | ${r.faultSeconds.toFixed(1)} s | ${r.recoverySeconds.toFixed(1)} s |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

/** One line per fault: each target's outcome, then the totals over its targets (README). */
export function formatSummary(rows: Row[]): string {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const header =
    '| fault | backup | DOWNLOAD | TRUNCATE | IMPORT | CLEANUP | lost | duplicated | resubmitted | TRUNCATEs | fault lasted | time to recover (max) |';
  const lines = scenarios.map((scenario) => {
    const mine = rows.filter((r) => r.scenario === scenario);
    const cell = (prefix: string) => mine.find((r) => r.target.startsWith(prefix))?.outcome ?? '–';
    const restores = mine.filter((r) => r.target.startsWith('restore'));
    return `| ${scenario} | ${[cell('backup'), ...RESTORE_PHASES.map((p) => cell(`restore ${p}`))].join(' | ')} | ${sum(mine.map((r) => r.lost))} | ${sum(mine.map((r) => r.duplicated))} | ${sum(mine.map((r) => r.resubmitted))} | ${restores.length ? `${sum(restores.map((r) => r.truncates))} for ${restores.length} restores` : '–'} | ${(mine[0]?.faultSeconds ?? 0).toFixed(1)} s | ${Math.max(...mine.map((r) => r.recoverySeconds)).toFixed(1)} s |`;
  });
  return [header, '|---|---|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
