// 5. Resume: the operator process SIGKILLed mid-backup and started again; the time from the kill until
//    the backup's progress moves again, and how many Icarus operations were posted twice.
import { BENCH_LOCATION, type Bench } from '../harness.js';
import { postsFor } from '../icarus-operations.js';
import type { Row } from '../report.js';
import { summarize } from '../stats.js';

export async function resume(
  bench: Bench,
  opts: { repeat: number; operationSeconds: number; heartbeatTimeoutSeconds?: number },
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const ns = await bench.namespace('bench-resume');
  const env: Record<string, string> = opts.heartbeatTimeoutSeconds
    ? { HEARTBEAT_TIMEOUT_SECONDS: String(opts.heartbeatTimeoutSeconds) }
    : {};
  const clusters = await bench.clusters(ns, opts.repeat, 3, {
    durationMs: opts.operationSeconds * 1000,
    pendingMs: 50,
  });
  const observer = await bench.observe(ns, 'CassandraBackup');
  let operator = await bench.operator(ns, env);
  const resumeSeconds: number[] = [];
  const duplicates: number[] = [];
  const runs: Record<string, unknown>[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    const c = clusters[i];
    if (!c) break;
    const name = `resume-${i}`;
    await bench.create(ns, 'CassandraBackup', name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: BENCH_LOCATION,
      secretName: 'creds',
    });
    const progress = () => observer.seen.get(name)?.progress.at(-1)?.value ?? 0;
    await observer.until(`${name} to make progress`, () => progress() >= 20, 120_000);
    const before = progress();
    const killedAt = Date.now();
    await operator.process.kill();
    operator = await bench.operator(ns, env);
    await observer.until(
      `${name} to move again after the kill`,
      () => (observer.seen.get(name)?.progress ?? []).some((p) => p.at > killedAt && p.value > before),
      600_000,
    );
    const moved = observer.seen.get(name)?.progress.find((p) => p.at > killedAt && p.value > before);
    resumeSeconds.push(((moved?.at ?? Number.NaN) - killedAt) / 1000);
    await observer.until(
      `${name} to end`,
      () => observer.countIn([name], ['COMPLETED', 'FAILED']) === 1,
      opts.operationSeconds * 3000 + 120_000,
    );
    const status = observer.seen.get(name)?.latest.status as { state?: string; snapshotTag?: string };
    if (status.state !== 'COMPLETED') throw new Error(`${name} ended ${status.state}`);
    // One backup per node, plus the topology upload on one node.
    const posts = postsFor(c, 'backup', status.snapshotTag ?? '');
    const extra = posts.reduce((a, b) => a + b, 0) - (c.cluster.nodes.length + 1);
    duplicates.push(extra);
    runs.push({ name, progressAtKill: before, resumeSeconds: resumeSeconds.at(-1), postsPerNode: posts });
  }
  await operator.stop();
  const heartbeat = opts.heartbeatTimeoutSeconds
    ? `HEARTBEAT_TIMEOUT_SECONDS=${opts.heartbeatTimeoutSeconds}`
    : 'default heartbeat time-out (30 s)';
  const scenario = `SIGKILL of the operator mid-backup (3 nodes, ${opts.operationSeconds} s operations, ${heartbeat}), ×${opts.repeat}`;
  return {
    rows: [
      { scenario, measure: 'kill → progress moves again', unit: 's', summary: summarize(resumeSeconds) },
      {
        scenario,
        measure: 'duplicate Icarus operations',
        unit: 'count',
        summary: summarize(duplicates),
        target: { value: 0, on: 'max' },
      },
    ],
    details: { namespace: ns, runs },
  };
}
