// The fault matrix of test/reliability/faults.test.ts: one backup and one restore per restore phase, each
// caught in the middle of its target (the simulated Icarus holds its operations at 50 %) when a fault
// strikes; then the operations go on and every resource is followed to its end. Each row says what the
// fault cost: the outcome, operations lost (a node or phase whose work never completed), operations
// duplicated (a second operation for the same node and phase while the first still existed), TRUNCATEs
// sent, and how long the operator took to move again once the fault was over.
//
// What it strikes is in ./fault-matrix/subjects.ts, how a resource is followed to its end in follow.ts,
// what the nodes' requests tell in counts.ts, the tables in tables.ts.
import type { KubeConfig } from '@kubernetes/client-node';
import { createS3Secret, startPodCluster, type PodCluster } from './cassandra-pods.js';
import { Backups, Restores, succeeded } from './custom-resources.js';
import { follow } from './fault-matrix/follow.js';
import {
  HOLD_AT,
  RESTORE_PHASES,
  TABLE,
  TARGETS,
  type Expected,
  type Subject,
  type Target,
} from './fault-matrix/subjects.js';
import { sum, type Row } from './fault-matrix/tables.js';
import { startOperator, type OperatorProcess } from './operator.js';
import { createNamespace, uniqueName } from './stack-env.js';

export { RESTORE_PHASES, TARGETS, type Expected, type Subject, type Target };
export { formatRows, formatSummary, type Row } from './fault-matrix/tables.js';

/** Clusters of this file get their own loopback /24s (127.220.x ...): none collides with another's. */
let clusterCount = 0;

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
