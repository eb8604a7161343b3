// 1. Start latency: 200 CassandraBackups applied at once; from each one's appearance to its workflow's
//    start, its first status write, and status.state RUNNING.
// 2. Completion detection: from the last Icarus operation of a backup COMPLETED (its time in Icarus)
//    to status.state COMPLETED seen by a watcher.
import type { Bench } from '../harness.js';
import { operationsOf } from '../icarus-operations.js';
import type { Row } from '../report.js';
import { summarize } from '../stats.js';
import { backupRound, describeWorkflows } from './backup-round.js';

export async function startAndCompletion(
  bench: Bench,
  opts: { resources: number; rounds: number },
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const ns = await bench.namespace('bench-start');
  const clusters = await bench.clusters(ns, opts.resources, 3, { durationMs: 3000, pendingMs: 50 });
  const operator = await bench.operator(ns);
  const observer = await bench.observe(ns, 'CassandraBackup');
  const toWorkflow: number[] = [];
  const toStatus: number[] = [];
  const toRunning: number[] = [];
  const detection: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const round = await backupRound(bench, ns, observer, clusters, `start${r}`, 600_000);
    const workflows = await describeWorkflows(bench, observer, round.names);
    for (const name of round.names) {
      const seen = observer.seen.get(name);
      const wf = workflows.get(name);
      if (!seen || !wf) continue;
      toWorkflow.push(wf.startTime - seen.added);
      const firstState = Math.min(...seen.states.values());
      toStatus.push(firstState - seen.added);
      const running = seen.states.get('RUNNING');
      if (running !== undefined) toRunning.push(running - seen.added);
      const tag = (seen.latest.status as { snapshotTag?: string }).snapshotTag;
      const c = round.clusterOf.get(name);
      if (!c || !tag) continue;
      const ops = (await operationsOf(c)).filter((o) => o.snapshotTag === tag);
      const lastCompletion = Math.max(...ops.map((o) => o.completionTime ?? Number.NaN));
      const completed = seen.states.get('COMPLETED');
      if (completed !== undefined && Number.isFinite(lastCompletion))
        detection.push(completed - lastCompletion);
    }
  }
  await operator.stop();
  const scenario = `${opts.resources} backups × 3 nodes at once, ${opts.rounds} round(s)`;
  return {
    rows: [
      { scenario, measure: 'created → workflow started', unit: 's', summary: summarize(toWorkflow.map(s)) },
      { scenario, measure: 'created → first status write', unit: 's', summary: summarize(toStatus.map(s)) },
      {
        scenario,
        measure: 'created → status RUNNING',
        unit: 's',
        summary: summarize(toRunning.map(s)),
        target: { value: 1, on: 'p99' },
      },
      {
        scenario,
        measure: 'last node COMPLETED in Icarus → status COMPLETED',
        unit: 's',
        summary: summarize(detection.map(s)),
        target: { value: 2, on: 'p99' },
      },
    ],
    details: { namespace: ns, samples: { toWorkflow, toStatus, toRunning, detection } },
  };
}

const s = (ms: number) => ms / 1000;
