// `npm run chaos -- --minutes 30 --seed 1234`: the fault storm of test/reliability/storm.test.ts for as
// long as a person likes, on a stack of its own (Temporal with a database file, kube-apiserver + etcd),
// printing the same table. Without --seed a seed is drawn and printed first. Exits 1 on any violation.
//
//   --minutes N   minutes of faults and load (default 10)
//   --seed S      the storm to run (STORM_SEED works too)
//   --settle M    upper limit, in minutes, for everything to end after the storm (default 10)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installShutdownHandlers } from '../dev/stack/index.js';
import { startOwnStack, type OwnStack } from '../test/support/own-stack.js';
import { kubeConfig } from '../test/support/stack-env.js';
import { newSeed, parseSeed } from '../test/support/storm/random.js';
import { formatReport, violationsOf } from '../test/support/storm/report.js';
import { runStorm } from '../test/support/storm/run.js';

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function positive(name: string, fallback: number): number {
  const text = option(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number; got "${text}"`);
  return value;
}

const minutes = positive('minutes', 10);
const settleMinutes = positive('settle', 10);
const seed = parseSeed(option('seed')) ?? parseSeed(process.env.STORM_SEED) ?? newSeed();
console.log(
  `Fault storm: seed ${seed}, ${minutes} min (again: npm run chaos -- --minutes ${minutes} --seed ${seed})`,
);

let own: OwnStack | undefined;
const dbDir = mkdtempSync(join(tmpdir(), 'cbo-chaos-'));
installShutdownHandlers(async () => {
  await own?.stop();
  rmSync(dbDir, { recursive: true, force: true });
});
let code = 1;
try {
  own = await startOwnStack({ ownTemporal: true, temporalDbFile: join(dbDir, 'temporal.db') });
  const summary = await runStorm({
    kc: kubeConfig(),
    stack: own.stack,
    seed,
    minutes,
    settleMinutes,
    say: (line) => console.log(`[storm] ${line}`),
  });
  console.log(`\n${formatReport(summary)}\n`);
  code = violationsOf(summary).length === 0 ? 0 : 1;
} catch (err) {
  console.error(
    `the storm could not run (seed ${seed}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
} finally {
  await own?.stop();
  rmSync(dbDir, { recursive: true, force: true });
}
process.exit(code);
