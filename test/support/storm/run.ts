// One fault storm, start to table: simulated clusters behind Pods, an operator, the restores' source
// backups; then for `minutes` the planned faults strike while the people create, edit, delete and retry
// resources; then everything is followed until it has ended (or the settle limit, which only ends a hung
// storm); then the evidence is gathered and every resource checked. The seed decides the plan: faults,
// load, and what each person does (test/reliability/storm.test.ts, scripts/chaos.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Stack } from '../../../dev/stack/index.js';
import { repoRoot } from '../../../dev/stack/repo.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../cassandra-pods.js';
import { Backups, succeeded } from '../custom-resources.js';
import { createNamespace, temporalClient, uniqueName } from '../stack-env.js';
import { checkAll, documentedReasons } from './checks.js';
import { events, histories, runningWorkflows } from './evidence.js';
import { planFaults, strike, type StruckFault } from './faults.js';
import { planLoad } from './load.js';
import { startStormOperator } from './operator.js';
import { LOCATION, MOVED_LOCATION, People, TABLE, type Journal } from './people.js';
import { seededRandom } from './random.js';
import type { StormSummary } from './report.js';

export interface StormOptions {
  kc: KubeConfig;
  stack: Stack;
  seed: number;
  /** Minutes of faults and load. */
  minutes: number;
  /** Upper limit for the settle after the storm (only ends a storm that would hang). */
  settleMinutes?: number;
  /** Progress lines. */
  say?: (line: string) => void;
}

const BACKUP_CLUSTERS = 6;
const RESTORE_CLUSTERS = 4;
const BACKUPS_PER_MINUTE = 15;
const RESTORES_PER_MINUTE = 2;

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

export async function runStorm(opts: StormOptions): Promise<StormSummary> {
  const say = opts.say ?? (() => undefined);
  const random = seededRandom(opts.seed);
  const durationMs = Math.round(opts.minutes * 60_000);
  const settleMs = Math.round((opts.settleMinutes ?? 6) * 60_000);
  const { kc, stack } = opts;
  const namespace = await createNamespace(kc, 'storm');
  await createS3Secret(kc, namespace, 'creds');

  const shape = random.fork('clusters');
  const backupClusters: PodCluster[] = [];
  const restoreClusters: PodCluster[] = [];
  const clusters: PodCluster[] = [];
  const { client: temporal, close } = await temporalClient();
  let operator: Awaited<ReturnType<typeof startStormOperator>> | undefined;
  try {
    for (let i = 0; i < BACKUP_CLUSTERS; i++) {
      const c = await startPodCluster(kc, namespace, {
        name: `storm-backup-${i}`,
        datacenters: { dc1: 3 },
        // Operations of 10–40 s.
        timing: { durationMs: shape.int(10, 40) * 1000, pendingMs: 50 },
        addressPrefix: `127.250.${i}`,
        buckets: [LOCATION, MOVED_LOCATION],
      });
      backupClusters.push(c);
      clusters.push(c);
    }
    for (let i = 0; i < RESTORE_CLUSTERS; i++) {
      const c = await startPodCluster(kc, namespace, {
        name: `storm-restore-${i}`,
        datacenters: { dc1: 3 },
        // Restore phases of 10 s.
        timing: { durationMs: 10_000, pendingMs: 50 },
        addressPrefix: `127.251.${i}`,
        buckets: [LOCATION, MOVED_LOCATION],
      });
      c.cluster.nodes.forEach((n, k) => n.data.set(TABLE, [{ id: k, item: `cluster-${i}-item-${k}` }]));
      restoreClusters.push(c);
      clusters.push(c);
    }
    operator = await startStormOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('storm'),
      ICARUS_POLL_INTERVAL_MS: '500',
      ICARUS_GENERATION: '3',
      HEARTBEAT_TIMEOUT_SECONDS: '3',
      SHUTDOWN_GRACE_SECONDS: '1',
    });
    const running = operator;
    const context = () => running.tail();
    say(
      `seed ${opts.seed}: ${BACKUP_CLUSTERS} backup and ${RESTORE_CLUSTERS} restore clusters of 3 nodes in ${namespace}`,
    );

    // Each restore cluster gets the backup its restores restore; then its table is emptied.
    const backups = new Backups(kc, namespace, context);
    const sources = await Promise.all(
      restoreClusters.map(async (c, i) => {
        const name = `storm-source-${i}`;
        await backups.create(name, {
          cassandraCluster: c.cluster.opts.name,
          storageLocation: LOCATION,
          secretName: 'creds',
        });
        await backups.waitFor(name, 'the source backup Succeeded', (b) => succeeded(b) === 'True');
        const rows = c.cluster.nodes.map((n) => n.data.get(TABLE));
        c.cluster.truncate(TABLE);
        return { cluster: c, source: name, rows };
      }),
    );

    const faultPlan = planFaults(random.fork('faults'), { durationMs });
    const loadPlan = planLoad(random.fork('load'), {
      durationMs,
      backups: Math.round(BACKUPS_PER_MINUTE * opts.minutes),
      restores: Math.max(2 * RESTORE_CLUSTERS, Math.round(RESTORES_PER_MINUTE * opts.minutes)),
      backupClusters: BACKUP_CLUSTERS,
      restoreClusters: RESTORE_CLUSTERS,
    });
    const startedAt = Date.now();
    const stormStart = new Date(startedAt).toISOString();
    const journals: Journal[] = [];
    const deadline = startedAt + durationMs + settleMs;
    const people = new People({
      kc,
      namespace,
      temporal,
      backupClusters,
      restoreClusters: sources,
      random: random.fork('people'),
      deadline: () => deadline,
      journals,
      context,
    });
    say(`storm: ${faultPlan.length} faults and ${loadPlan.length} resources over ${opts.minutes} min`);

    const struck: StruckFault[] = [];
    const stormErrors: string[] = [];
    const faults = (async () => {
      for (const f of faultPlan) {
        await sleepUntil(startedAt + f.atMs);
        const s = await strike(f, { stack, operator: running, clusters }, startedAt);
        struck.push(s);
        say(`${(s.atMs / 1000).toFixed(1)} s: ${s.what.join(' + ')}${s.error ? ` (error: ${s.error})` : ''}`);
      }
    })();
    const tasks: Promise<void>[] = [];
    for (const r of loadPlan) {
      await sleepUntil(startedAt + r.atMs);
      tasks.push(
        people.run(r).catch((err: unknown) => {
          stormErrors.push(`${r.name}: the person following it stopped: ${String(err)}`);
        }),
      );
    }
    await faults;
    const faultsOver = Date.now();
    say(`faults over after ${((faultsOver - startedAt) / 1000).toFixed(0)} s; settling`);
    await Promise.all(tasks);
    // Second restores are started while the first ones are followed.
    for (let seen = 0; seen < people.pending.length;) {
      const batch = people.pending.slice(seen);
      seen = people.pending.length;
      await Promise.all(batch);
    }
    const settleSeconds = (Date.now() - faultsOver) / 1000;
    say(`settled in ${settleSeconds.toFixed(0)} s; checking`);

    const verdicts = checkAll({
      journals,
      stormStart,
      histories: await histories(temporal, namespace, journals),
      events: await events(kc, namespace),
      running: await runningWorkflows(temporal, namespace),
      documented: documentedReasons(readFileSync(join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8')),
    });
    return {
      seed: opts.seed,
      stormMinutes: opts.minutes,
      settleSeconds,
      faults: struck,
      operatorSelfExits: running.selfExits,
      stormErrors,
      verdicts,
    };
  } finally {
    await operator?.stop();
    await close();
    await Promise.all(clusters.map((c) => c.stop()));
  }
}
