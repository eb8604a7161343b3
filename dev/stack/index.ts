import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCrds } from './crds.js';
import { startKube, type KubeServer } from './kube-server.js';
import { formatDuration, say } from './log.js';
import { repoRoot } from './repo.js';
import { startTemporal, type TemporalServer } from './temporal-server.js';

export { installShutdownHandlers, startProcess, stopAll, type ManagedProcess } from './processes.js';
export type { KubeServer } from './kube-server.js';
export type { TemporalServer } from './temporal-server.js';

export interface StackOptions {
  /** Serve the Temporal Web UI. */
  ui?: boolean;
  /** Keep Temporal's state in this SQLite file (survives a restart of the server). */
  temporalDbFile?: string;
  /** Folder for logs and state; a new temporary folder by default. */
  workDir?: string;
  /** CRDs to apply; k8s/crds by default. */
  crdDir?: string;
}

export interface Stack {
  readonly workDir: string;
  readonly temporal: TemporalServer;
  readonly kube: KubeServer;
  /** Environment variables that point a process (operator, worker, test) at this stack. */
  env(): Record<string, string>;
  /** Stops every server; removes a temporary work folder unless `keepFiles` or STACK_KEEP=true. */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
}

/**
 * The local stack used by the tests and by the sandbox: a real Temporal dev server and a real
 * kube-apiserver + etcd on loopback, each on a free port, CRDs applied. Tools are found or built once
 * (see temporal-cli.ts and kube-tools.ts); TEMPORAL_ADDRESS and USE_EXISTING_CLUSTER=true/KUBECONFIG
 * point it at servers that already run instead.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const started = Date.now();
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'cbo-stack-'));
  const temporaryWorkDir = opts.workDir === undefined;
  mkdirSync(workDir, { recursive: true });
  // Both at once: on a first run each may build its tools.
  const [temporal, kube] = await Promise.allSettled([
    startTemporal({ workDir, ui: opts.ui, dbFile: opts.temporalDbFile }),
    startKube({ workDir }),
  ]);
  if (temporal.status === 'rejected' || kube.status === 'rejected') {
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    if (kube.status === 'fulfilled') await kube.value.stop();
    const reasons = [temporal, kube].flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    throw new Error(`the local stack did not start:\n${reasons.join('\n')}`);
  }
  const stack: Stack = {
    workDir,
    temporal: temporal.value,
    kube: kube.value,
    env: () => ({
      TEMPORAL_ADDRESS: temporal.value.address,
      TEMPORAL_NAMESPACE: temporal.value.namespace,
      KUBECONFIG: kube.value.kubeconfigPath,
      ...(kube.value.kubectl ? { KUBECTL: kube.value.kubectl } : {}),
      ...(temporal.value.uiUrl ? { TEMPORAL_UI_URL: temporal.value.uiUrl } : {}),
    }),
    stop: async ({ keepFiles = false } = {}) => {
      await Promise.all([temporal.value.stop(), kube.value.stop()]);
      if (temporaryWorkDir && !keepFiles && process.env.STACK_KEEP !== 'true')
        rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    const crds = await applyCrds(kube.value.kubeconfigPath, opts.crdDir ?? join(repoRoot, 'k8s', 'crds'));
    say('stack', `Temporal: ${temporal.value.address} (${temporal.value.description})`);
    say(
      'stack',
      `Kubernetes: ${kube.value.server} (${kube.value.description}); CRDs: ${crds.join(', ') || 'none'}`,
    );
    say('stack', `Ready in ${formatDuration(Date.now() - started)}; logs in ${workDir}`);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
