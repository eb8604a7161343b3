// 4. Scale: 500 backups of 3 nodes each, all at once, on one operator process (one worker): every one
//    completes; the process's peak RSS; what it costs the API server, the sidecars and Temporal.
import type { Bench } from '../harness.js';
import type { Row } from '../report.js';
import { summarize } from '../stats.js';
import { backupRound, describeWorkflows } from './backup-round.js';

export async function scale(
  bench: Bench,
  opts: { resources: number; nodes: number; operationSeconds: number },
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const ns = await bench.namespace('bench-scale');
  const clusters = await bench.clusters(ns, opts.resources, opts.nodes, {
    durationMs: opts.operationSeconds * 1000,
    pendingMs: 50,
  });
  const operator = await bench.operator(ns);
  const observer = await bench.observe(ns, 'CassandraBackup');
  const writesBefore = await bench.apiWrites();
  const requestsBefore = clusters.flatMap((c) => c.cluster.nodes.map((n) => n.simulator.requests));

  const round = await backupRound(bench, ns, observer, clusters, 'scale', 1_800_000);
  const minutes = (round.endedAt - round.startedAt) / 60_000;
  const peakRss = operator.peakRssBytes();
  const writesAfter = await bench.apiWrites();
  const requestsAfter = clusters.flatMap((c) => c.cluster.nodes.map((n) => n.simulator.requests));
  const workflows = await describeWorkflows(bench, observer, round.names);
  await operator.stop();

  // Writes the operator made: every write verb on the custom resources and Events, minus the
  // benchmark's own creates of the backups.
  const writes: Record<string, number> = {};
  for (const [key, after] of writesAfter) {
    if (!/ (cassandrabackups|events)/.test(key)) continue;
    const delta =
      after - (writesBefore.get(key) ?? 0) - (key === 'POST cassandrabackups' ? opts.resources : 0);
    if (delta > 0) writes[key] = delta;
  }
  const operatorWrites = Object.values(writes).reduce((a, b) => a + b, 0);
  const eventsPerNode = [...workflows.values()].map((w) => w.historyLength / opts.nodes);
  // Each resource's own share: its writes over its own lifetime, from the observer's clock.
  const lifetimes = round.names.map((n) => {
    const seen = observer.seen.get(n);
    return ((seen?.states.get('COMPLETED') ?? round.endedAt) - (seen?.added ?? round.startedAt)) / 60_000;
  });
  const meanLifetime = lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length;
  // A node's requests over the lifetime of the backup that ran on it (one backup per cluster).
  const perNodePerMinute = requestsAfter.map(
    (after, i) => (after - (requestsBefore[i] ?? 0)) / (lifetimes[Math.floor(i / opts.nodes)] ?? minutes),
  );

  const scenario = `${opts.resources} backups × ${opts.nodes} nodes at once (${opts.operationSeconds} s operations), one worker`;
  const completed = observer.countIn(round.names, ['COMPLETED']);
  return {
    rows: [
      {
        scenario,
        measure: 'backups completed',
        unit: 'count',
        summary: summarize([completed]),
        target: { value: opts.resources, on: 'min', atLeast: true },
      },
      { scenario, measure: 'all applied → all completed', unit: 's', summary: summarize([minutes * 60]) },
      {
        scenario,
        measure: 'worker peak RSS',
        unit: 'MB',
        summary: summarize([peakRss / 1e6]),
        target: { value: 512, on: 'max' },
      },
      {
        scenario,
        measure: 'Kubernetes API writes per resource per minute',
        unit: '/min',
        summary: summarize([operatorWrites / opts.resources / meanLifetime]),
      },
      {
        scenario,
        measure: 'Icarus requests per node per minute of its backup',
        unit: '/min',
        summary: summarize(perNodePerMinute),
      },
      {
        scenario,
        measure: 'Temporal history events per node',
        unit: 'events',
        summary: summarize(eventsPerNode),
      },
    ],
    details: {
      namespace: ns,
      wallSeconds: minutes * 60,
      meanLifetimeSeconds: meanLifetime * 60,
      operatorWrites: writes,
      peakRssBytes: peakRss,
      historyLengths: summarize([...workflows.values()].map((w) => w.historyLength)),
    },
  };
}
