// 3. Restore overhead on 6 nodes: the restore's wall time (created → COMPLETED, as a watcher sees it)
//    divided by the sum over its phases of the slowest node's operation time in Icarus. 1.00 would be an
//    orchestration that costs nothing between phases.
import { BENCH_LOCATION, type Bench } from '../harness.js';
import { operationsOf } from '../icarus-operations.js';
import type { Row } from '../report.js';
import { summarize } from '../stats.js';

const PHASES = ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];

export async function restoreOverhead(
  bench: Bench,
  opts: { nodes: number; phaseSeconds: number; repeat: number },
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const ns = await bench.namespace('bench-restore');
  const [c] = await bench.clusters(ns, 1, opts.nodes, {
    durationMs: opts.phaseSeconds * 1000,
    pendingMs: 50,
  });
  if (!c) throw new Error('no cluster');
  c.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `row-${i}` }]));
  const operator = await bench.operator(ns);
  const backups = await bench.observe(ns, 'CassandraBackup');
  const restores = await bench.observe(ns, 'CassandraRestore');
  await bench.create(ns, 'CassandraBackup', 'source', {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: BENCH_LOCATION,
    secretName: 'creds',
  });
  await backups.until('the source backup', () => backups.countIn(['source'], ['COMPLETED']) === 1, 600_000);

  const ratios: number[] = [];
  const walls: number[] = [];
  const perRestore: Record<string, unknown>[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    const name = `restore-${i}`;
    await bench.create(ns, 'CassandraRestore', name, {
      cassandraCluster: c.cluster.opts.name,
      cassandraBackup: 'source',
      entities: 'shop',
    });
    await restores.until(
      `${name} to end`,
      () => restores.countIn([name], ['COMPLETED', 'FAILED']) === 1,
      opts.phaseSeconds * 1000 * 20 + 120_000,
    );
    const seen = restores.seen.get(name);
    const completed = seen?.states.get('COMPLETED');
    if (!seen || completed === undefined)
      throw new Error(`${name} failed: ${JSON.stringify(seen?.latest.status)}`);
    const ops = (await operationsOf(c)).filter(
      (o) => o.type === 'restore' && o.creationTime >= seen.added && o.completionTime !== undefined,
    );
    const slowest = PHASES.map((p) =>
      Math.max(
        0,
        ...ops
          .filter((o) => o.restorationPhase === p)
          .map((o) => (o.completionTime as number) - o.creationTime),
      ),
    );
    const critical = slowest.reduce((a, b) => a + b, 0);
    const wall = completed - seen.added;
    walls.push(wall / 1000);
    ratios.push(wall / critical);
    perRestore.push({ name, wallMs: wall, criticalPathMs: critical, slowestByPhaseMs: slowest });
  }
  await operator.stop();
  const scenario = `restore, ${opts.nodes} nodes, ${opts.phaseSeconds} s phases, ×${opts.repeat}`;
  return {
    rows: [
      { scenario, measure: 'wall time', unit: 's', summary: summarize(walls) },
      {
        scenario,
        measure: 'wall ÷ Σ slowest node per phase',
        unit: '×',
        summary: summarize(ratios),
        target: { value: 1.05, on: 'p99' },
      },
    ],
    details: { namespace: ns, restores: perRestore },
  };
}
