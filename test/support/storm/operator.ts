// The operator of the storm: one process (watcher and worker) that a fault may SIGKILL, replaced at once as
// a Deployment's kubelet would. If it exits on its own (the API server or Temporal gone for a while), it is
// started again too, and counted: the table says how often.
import { startOperator, type OperatorProcess } from '../operator.js';

export interface StormOperator {
  /** SIGKILL the running operator and start another; resolves once the new one watches and works. */
  killAndReplace(): Promise<void>;
  /** Times it exited on its own and was started again. */
  readonly selfExits: number;
  /** The last log lines of every process so far (for a failed wait). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startStormOperator(env: Record<string, string>): Promise<StormOperator> {
  const all: OperatorProcess[] = [];
  let current: OperatorProcess | undefined;
  let stopping = false;
  let selfExits = 0;
  let starting: Promise<void> | undefined;

  const launch = async (): Promise<void> => {
    // Bounded: a start may fail while Temporal or the API server is down at the same time.
    for (let attempt = 1; ; attempt++) {
      const proc = startOperator(env);
      all.push(proc);
      current = proc;
      try {
        await proc.waitForLog(/Watching CassandraBackups/, 90_000);
        await proc.waitForLog(/Worker running/, 90_000);
      } catch (err) {
        if (stopping) return;
        if (attempt >= 5) throw err;
        await proc.kill();
        continue;
      }
      void proc.exited.then(() => {
        if (stopping || current !== proc || killing) return;
        selfExits += 1;
        starting = launch();
      });
      return;
    }
  };
  let killing = false;
  await launch();
  return {
    get selfExits() {
      return selfExits;
    },
    async killAndReplace() {
      await starting;
      killing = true;
      try {
        await current?.kill();
      } finally {
        killing = false;
      }
      starting = launch();
      await starting;
    },
    tail(lines = 40) {
      return all
        .flatMap((p) => p.logs.slice(-lines))
        .slice(-lines)
        .join('\n');
    },
    async stop() {
      stopping = true;
      await starting?.catch(() => undefined);
      await Promise.all(all.map((p) => p.stop()));
    },
  };
}
