// 5. Memory after load: N one-node backups at once on one operator process, every one completed, then
//    every one deleted. The operator's resident memory (VmRSS, VmHWM) and its V8 heaps (every thread:
//    the main thread runs the watcher and the activities, the SDK's workflow thread the cached
//    workflows) at start, at the peak, once all completed, once all are deleted and the operator is
//    idle, and after a full GC then (bench/memory-probe.cjs): what stays after the load, and how much
//    of it a collection gives back.
import type { Bench, BenchOperator, ProbedMemory } from '../harness.js';
import type { Row } from '../report.js';
import { summarize } from '../stats.js';
import { backupRound } from './backup-round.js';
import { resourceNames } from '../../src/kube/api/resources.js';

interface Point {
  at: number;
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** Per thread: used heap. */
  threads: number[];
  cachedWorkflows?: number;
}

const sum = (m: ProbedMemory, f: (t: ProbedMemory['threads'][number]) => number) =>
  m.threads.reduce((a, t) => a + f(t), 0);

async function point(operator: BenchOperator, action?: 'gc' | 'snapshot'): Promise<Point> {
  const m = await operator.heaps(action);
  return {
    at: Date.now(),
    rssBytes: operator.rssBytes(),
    rssAnonBytes: operator.rssKinds().anonBytes,
    rssFileBytes: operator.rssKinds().fileBytes,
    heapUsedBytes: sum(m, (t) => t.usedBytes),
    heapTotalBytes: sum(m, (t) => t.totalBytes),
    externalBytes: sum(m, (t) => t.externalBytes),
    threads: m.threads.map((t) => t.usedBytes),
    cachedWorkflows: await cachedWorkflows(operator),
  };
}

/** The SDK's own gauge of the workflows held in the worker's cache (temporal_sticky_cache_size). */
async function cachedWorkflows(operator: BenchOperator): Promise<number | undefined> {
  try {
    const text = await (await fetch(operator.metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
    const lines = text.split('\n').filter((l) => l.startsWith('temporal_sticky_cache_size'));
    return lines.length ? lines.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the operator uses less than 5 % of a core over 5 s (its work is done), at most `maxMs`. */
async function idle(operator: BenchOperator, maxMs: number): Promise<number> {
  const started = Date.now();
  let before = operator.cpuSeconds();
  while (Date.now() - started < maxMs) {
    await new Promise((r) => setTimeout(r, 5000));
    const now = operator.cpuSeconds();
    if (now - before < 0.25) break;
    before = now;
  }
  return (Date.now() - started) / 1000;
}

export async function memory(
  bench: Bench,
  opts: { resources: number; operationSeconds: number },
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const ns = await bench.namespace('bench-memory');
  const clusters = await bench.clusters(ns, opts.resources, 1, {
    durationMs: opts.operationSeconds * 1000,
    pendingMs: 50,
  });
  const operator = await bench.operator(ns, {}, { memoryProbe: true });
  const observer = await bench.observe(ns, 'CassandraBackup');
  await idle(operator, 30_000);
  const start = await point(operator);

  // Sampled throughout (no collection is forced): the peak of the heaps is the largest sample.
  const samples: Point[] = [start];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 2000));
      if (sampling) samples.push(await point(operator).catch(() => samples.at(-1) as Point));
    }
  })();

  const round = await backupRound(bench, ns, observer, clusters, 'mem', 3_600_000);
  const completed = await point(operator);
  samples.push(completed);

  const deleteStarted = Date.now();
  const { group, version, plural } = resourceNames.CassandraBackup;
  await bench.custom.deleteCollectionNamespacedCustomObject({ group, version, namespace: ns, plural });
  await observer.until(
    `${round.names.length} backups to be deleted`,
    () => observer.countDeleted(round.names) === round.names.length,
    1_800_000,
  );
  const deletedAfter = (Date.now() - deleteStarted) / 1000;
  const idleAfter = await idle(operator, 180_000);
  sampling = false;
  await sampler;
  const deleted = await point(operator);
  samples.push(deleted);
  const collected = await point(operator, 'gc');
  // A second look a little later: what the allocator gives back to the system after the collection.
  await new Promise((r) => setTimeout(r, 10_000));
  const settled = await point(operator);
  const peakRss = operator.peakRssBytes();
  const peakHeap = Math.max(...samples.map((s) => s.heapUsedBytes));
  const peakHeapTotal = Math.max(...samples.map((s) => s.heapTotalBytes));
  if (process.env.BENCH_MEMORY_SNAPSHOT) await operator.heaps('snapshot');
  await operator.stop();

  const scenario = `${opts.resources} one-node backups (${opts.operationSeconds} s operations), one operator, then all deleted`;
  const mb = (n: number) => summarize([n / 1e6]);
  const rows: Row[] = [
    {
      scenario,
      measure: 'all applied → all completed',
      unit: 's',
      summary: summarize([(round.endedAt - round.startedAt) / 1000]),
    },
    { scenario, measure: 'RSS at start', unit: 'MB', summary: mb(start.rssBytes) },
    { scenario, measure: 'RSS peak (VmHWM)', unit: 'MB', summary: mb(peakRss) },
    { scenario, measure: 'RSS once all completed', unit: 'MB', summary: mb(completed.rssBytes) },
    { scenario, measure: 'RSS once all deleted, operator idle', unit: 'MB', summary: mb(deleted.rssBytes) },
    { scenario, measure: 'RSS 10 s after a full GC', unit: 'MB', summary: mb(settled.rssBytes) },
    {
      scenario,
      measure: 'of which anonymous (not mapped files), at start',
      unit: 'MB',
      summary: mb(start.rssAnonBytes),
    },
    {
      scenario,
      measure: 'of which anonymous, after a full GC',
      unit: 'MB',
      summary: mb(settled.rssAnonBytes),
    },
    {
      scenario,
      measure: 'V8 heap used at start (all threads)',
      unit: 'MB',
      summary: mb(start.heapUsedBytes),
    },
    { scenario, measure: 'V8 heap used, peak sample', unit: 'MB', summary: mb(peakHeap) },
    {
      scenario,
      measure: 'V8 heap used once all completed',
      unit: 'MB',
      summary: mb(completed.heapUsedBytes),
    },
    { scenario, measure: 'V8 heap used once all deleted', unit: 'MB', summary: mb(deleted.heapUsedBytes) },
    {
      scenario,
      measure: 'V8 heap used after a full GC',
      unit: 'MB',
      summary: mb(collected.heapUsedBytes),
      // What stays once every resource is gone: no more than 10 % above the start (else something leaks).
      target: { value: Math.round((start.heapUsedBytes * 1.1) / 1e6), on: 'max' },
    },
    { scenario, measure: 'V8 heap reserved at start', unit: 'MB', summary: mb(start.heapTotalBytes) },
    { scenario, measure: 'V8 heap reserved, peak sample', unit: 'MB', summary: mb(peakHeapTotal) },
    {
      scenario,
      measure: 'V8 heap reserved after a full GC',
      unit: 'MB',
      summary: mb(settled.heapTotalBytes),
    },
  ];
  return {
    rows,
    details: {
      namespace: ns,
      deletedSeconds: deletedAfter,
      idleSeconds: idleAfter,
      peakRssBytes: peakRss,
      points: { start, completed, deleted, collected, settled },
      samples: samples.map((s) => ({
        t: Math.round((s.at - start.at) / 1000),
        rssMB: Math.round(s.rssBytes / 1e6),
        rssAnonMB: Math.round(s.rssAnonBytes / 1e6),
        heapUsedMB: Math.round(s.heapUsedBytes / 1e6),
        heapTotalMB: Math.round(s.heapTotalBytes / 1e6),
        cachedWorkflows: s.cachedWorkflows,
      })),
    },
  };
}
