// `npm run bench`: the orchestration's latency, overhead and scale on the real local stack (Temporal dev
// server, kube-apiserver + etcd) with simulated Icarus nodes, the operator compiled as the image runs it.
// Prints one table (median and p99 of each measurement, the target, met or MISSED) with the machine it
// ran on, and writes the table and every sample to bench/results/<time>.json.
//
//   npm run bench                           every scenario at full size
//   npm run bench -- --only start,resume    some of them: start, restore, scale, resume, memory
//   npm run bench -- --quick                small sizes (a check that the benchmark itself works)
//
// Not part of `npm test`: the targets are for this benchmark, never timed assertions in tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { installShutdownHandlers, startStack, type Stack } from '../dev/stack/index.js';
import { configSchema } from '../src/config.js';
import { say } from '../dev/stack/log.js';
import { repoRoot } from '../dev/stack/repo.js';
import { Bench } from './harness.js';
import { machine, machineLine, table, writeResults, type Row } from './report.js';
import { restoreOverhead } from './scenarios/restore-overhead.js';
import { memory } from './scenarios/memory.js';
import { resume } from './scenarios/resume.js';
import { scale } from './scenarios/scale.js';
import { startAndCompletion } from './scenarios/start-and-completion.js';

const SCENARIOS = ['start', 'restore', 'scale', 'resume', 'memory'] as const;
type Scenario = (typeof SCENARIOS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const onlyValue = onlyArg?.includes('=')
  ? onlyArg.split('=')[1]
  : onlyArg
    ? args[args.indexOf(onlyArg) + 1]
    : undefined;
const only = (onlyValue?.split(',') ?? [...SCENARIOS]) as Scenario[];
const unknown = only.filter((s) => !SCENARIOS.includes(s));
if (unknown.length > 0) {
  console.error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  process.exit(2);
}

const sizes = quick
  ? {
      start: { resources: 20, rounds: 1 },
      restore: { nodes: 6, phaseSeconds: 2, repeat: 1 },
      scale: { resources: 30, nodes: 3, operationSeconds: 5 },
      resume: { repeat: 1, operationSeconds: 20 },
      memory: { resources: 200, operationSeconds: 5 },
    }
  : {
      start: { resources: 200, rounds: 3 },
      restore: { nodes: 6, phaseSeconds: 10, repeat: 5 },
      scale: { resources: 500, nodes: 3, operationSeconds: 30 },
      resume: { repeat: 3, operationSeconds: 40 },
      memory: { resources: 3000, operationSeconds: 5 },
    };

const running: { stack?: Stack; bench?: Bench } = {};
installShutdownHandlers(async () => {
  await running.bench?.close();
  await running.stack?.stop();
});

say('bench', 'Building the operator as the image runs it (npm run build:dist)');
execFileSync('npm', ['run', '--silent', 'build:dist'], { cwd: repoRoot, stdio: 'inherit' });
const stack = (running.stack = await startStack());
const bench = (running.bench = await Bench.create(stack));
const at = new Date();
// The operators inherit this environment: any operator setting (or Node flag) set here changes the
// results, so it is printed with them and kept in the JSON. The harness sets its own per scenario.
const HARNESS_SET = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'WATCH_NAMESPACES',
  'ICARUS_GENERATION',
  'HTTP_PORT',
  'LOG_LEVEL',
  'TEMPORAL_UI_URL',
];
const overrides = Object.fromEntries(
  [
    ...Object.keys(configSchema.shape),
    'BENCH_OPERATOR_NODE_ARGS',
    // glibc's allocator settings (MALLOC_ARENA_MAX, ...) change the operator's resident memory.
    ...Object.keys(process.env).filter((k) => k.startsWith('MALLOC_')),
  ]
    .filter((k) => !HARNESS_SET.includes(k) && process.env[k] !== undefined)
    .map((k) => [k, process.env[k] as string]),
);
const rows: Row[] = [];
const details: Record<string, unknown> = { sizes, operatorOverrides: overrides };
let failed = false;
for (const scenario of only) {
  say('bench', `Scenario ${scenario}: ${JSON.stringify(sizes[scenario])}`);
  const started = Date.now();
  try {
    const result =
      scenario === 'start'
        ? await startAndCompletion(bench, sizes.start)
        : scenario === 'restore'
          ? await restoreOverhead(bench, sizes.restore)
          : scenario === 'scale'
            ? await scale(bench, sizes.scale)
            : scenario === 'memory'
              ? await memory(bench, sizes.memory)
              : await resumeBoth(bench, sizes.resume);
    rows.push(...result.rows);
    details[scenario] = { ...result.details, seconds: (Date.now() - started) / 1000 };
    say('bench', `Scenario ${scenario} done in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    failed = true;
    details[scenario] = { error: err instanceof Error ? err.message : String(err) };
    say('bench', `Scenario ${scenario} FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const m = machine();

/** Resume with the default heartbeat time-out, and with a shorter one: the time-out is what bounds it. */
async function resumeBoth(b: Bench, size: { repeat: number; operationSeconds: number }) {
  const byDefault = await resume(b, size);
  const shorter = await resume(b, { ...size, heartbeatTimeoutSeconds: 10 });
  return {
    rows: [...byDefault.rows, ...shorter.rows],
    details: { default: byDefault.details, shorter: shorter.details },
  };
}
const file = writeResults(join(repoRoot, 'bench', 'results'), at, m, rows, details);
const settings = Object.entries(overrides).map(([k, v]) => `${k}=${v}`);
process.stdout.write(
  `\n${machineLine(m, at)}${quick ? ' (--quick sizes)' : ''}${settings.length ? `; operator settings: ${settings.join(' ')}` : '; operator defaults'}\n\n${table(rows)}\n\nResults: ${file}\n`,
);
await bench.close();
await stack.stop({ keepFiles: failed });
if (failed) console.error(`A scenario failed; the stack's logs are kept in ${stack.workDir}`);
process.exit(failed ? 1 : 0);
