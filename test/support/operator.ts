// Runs the operator as users do, `src/main.ts` in its own process, configured by environment, against
// the test stack; its log lines are kept so a test can wait for one, and shown when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../../dev/stack/repo.js';
import { temporalAddress, temporalNamespace } from './stack-env.js';

export interface OperatorProcess {
  readonly logs: string[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL: the process dies at once, with whatever it was doing. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<number | null>;
  /** Base URL of its /healthz, /readyz and /metrics (it listens on a free port: HTTP_PORT=0). */
  httpUrl(): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * `src/main.ts` through tsx, or with `dist: true` the compiled `dist/src/main.js` the image runs (with its
 * prebuilt workflow bundle; `npm run build:dist` first).
 */
export function startOperator(env: Record<string, string>, opts: { dist?: boolean } = {}): OperatorProcess {
  const args = opts.dist ? ['--enable-source-maps', 'dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: temporalNamespace(),
      LOG_LEVEL: 'debug',
      HTTP_PORT: '0',
      // The ServiceAccount token of k8s/deploy's RBAC, set by the test runner (scripts/test.ts).
      ...(process.env.OPERATOR_KUBECONFIG ? { KUBECONFIG: process.env.OPERATOR_KUBECONFIG } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      logs.push(line);
      if (process.env.OPERATOR_LOGS === 'true') process.stderr.write(`[operator] ${line}\n`);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const operator: OperatorProcess = {
    logs,
    exited,
    async httpUrl() {
      const line = await operator.waitForLog(/Serving \/healthz/);
      const port = (JSON.parse(line) as { port: number }).port;
      return `http://127.0.0.1:${port}`;
    },
    waitForLog(pattern, timeoutMs = 120_000) {
      const seen = logs.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no operator log line matched ${pattern} within ${timeoutMs} ms:\n${logs.slice(-40).join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(`operator exited (${code}) before logging ${pattern}:\n${logs.slice(-40).join('\n')}`),
          );
        });
      });
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
  return operator;
}
