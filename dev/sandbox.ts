// The local sandbox (`npm run sandbox`): the real stack on loopback with the Temporal Web UI, the
// operator (src/main.ts, in its own process), a simulated 3-node Cassandra cluster "my-cluster" behind
// Pods, and the example backup from k8s/examples applied with kubectl; then a bad day (rows deleted) and
// the example restore of that backup, which brings them back. Progress is shown live; the sandbox runs
// until Ctrl-C, which stops everything it started.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup, type CassandraRestore } from '../src/kube/api/resources.js';
import { startPodCluster, type PodCluster } from './simulated-pods.js';
import { installShutdownHandlers, startStack, type Stack } from './stack/index.js';
import { freePort } from '../src/net/free-port.js';
import { startProcess, tail, waitUntilReady, type ManagedProcess } from './stack/processes.js';
import { repoRoot } from './stack/repo.js';
import { withCloudHosts } from './stack/cloud-hosts-option.js';
import { envScript } from './env-script.js';
import { resolveTemporalCli } from './stack/temporal-cli.js';

const run = promisify(execFile);
const CLUSTER = 'my-cluster';
const NAMESPACE = 'default';
const EXAMPLE = join(repoRoot, 'k8s', 'examples', 'backup-s3.yaml');
const RESTORE = join(repoRoot, 'k8s', 'examples', 'restore-from-backup.yaml');
const SECRET = join(repoRoot, 'k8s', 'examples', 'secret-s3.yaml');

// Handlers first, so that Ctrl-C while the stack starts also stops what was started. Ctrl-C stops every
// server and removes the sandbox's temporary folder (STACK_KEEP=true keeps it).
const running: { stack?: Stack; cluster?: PodCluster; operator?: ManagedProcess } = {};
installShutdownHandlers(async () => {
  await running.operator?.stop();
  await running.cluster?.stop();
  await running.stack?.stop();
});
const stack = await startStack({ ui: true });
running.stack = stack;
const env = stack.env();
const envFile = join(stack.workDir, 'env.sh');
// The stack's kubectl and temporal CLI go first on PATH (dev/env-script.ts).
const cli = await resolveTemporalCli();
writeFileSync(
  envFile,
  envScript(env, [...(env.KUBECTL ? [env.KUBECTL] : []), ...(cli.kind === 'binary' ? [cli.path] : [])]),
);
const kubectl = env.KUBECTL ?? 'kubectl';
const kc = new KubeConfig();
kc.loadFromFile(stack.kube.kubeconfigPath);

// Three Cassandra nodes: Icarus simulators on 127.x.y.1-3:4567, Pods pointing at them. A node's upload
// and each restore phase take about 15 s, so the progress can be watched. The example's bucket exists
// in the simulated store from the start, as one made beforehand would.
const exampleLocation = /^\s*storageLocation:\s*(\S+)/m.exec(readFileSync(EXAMPLE, 'utf8'))?.[1];
running.cluster = await startPodCluster(kc, NAMESPACE, {
  name: CLUSTER,
  datacenters: { dc1: 3 },
  storageRoot: join(stack.workDir, 'storage'),
  timing: { durationMs: 15_000, pendingMs: 500 },
  buckets: exampleLocation ? [exampleLocation] : [],
});
const nodes = running.cluster.cluster.nodes;
nodes.forEach((node, i) =>
  node.data.set('shop.orders', [
    { id: i * 10 + 1, item: 'book' },
    { id: i * 10 + 2, item: 'lamp' },
  ]),
);
const rowCount = () => nodes.reduce((sum, n) => sum + (n.data.get('shop.orders') ?? []).length, 0);

const operatorLog = join(stack.workDir, 'operator.log');
const httpPort = await freePort();
const operator = startProcess({
  name: 'operator',
  command: process.execPath,
  args: ['--import', 'tsx', join(repoRoot, 'src', 'main.ts')],
  logFile: operatorLog,
  cwd: repoRoot,
  env: {
    ...process.env,
    ...env,
    ICARUS_GENERATION: '3',
    STATUS_WRITES_PER_SECOND: '2',
    HTTP_PORT: String(httpPort),
    // The simulated buckets are folders inside the simulator: the operator's read of a backup's
    // manifests before a restore must not go to the real cloud the example names.
    NODE_OPTIONS: withCloudHosts(process.env.NODE_OPTIONS),
  },
});
running.operator = operator;
await waitUntilReady(
  operator,
  () =>
    Promise.resolve(
      (existsSync(operatorLog) ? readFileSync(operatorLog, 'utf8') : '').includes('Worker running'),
    ),
  180_000,
  'worker started',
);

const kube = (...args: string[]) => run(kubectl, ['--kubeconfig', stack.kube.kubeconfigPath, ...args]);
await kube('apply', '-n', NAMESPACE, '-f', SECRET, '-f', EXAMPLE);

const ui = stack.temporal.uiUrl;
process.stdout.write(
  [
    '',
    'Sandbox is running. Press Ctrl-C to stop it.',
    '',
    `  Temporal Web UI:  ${ui ?? '(not served)'}`,
    `  Temporal address: ${stack.temporal.address}`,
    `  kubeconfig:       ${stack.kube.kubeconfigPath}`,
    `  operator log:     ${operatorLog}`,
    `  operator metrics: http://127.0.0.1:${httpPort}/metrics  (/healthz, /readyz)`,
    '',
    `Applied ${EXAMPLE.slice(repoRoot.length + 1)} to the simulated cluster "${CLUSTER}" (3 nodes).`,
    '',
    'In another shell:',
    `  source ${envFile}`,
    `  kubectl get cassandrabackups`,
    `  kubectl describe cassandrabackup nightly-s3`,
    `  kubectl wait --for=condition=Succeeded cassandrabackup/nightly-s3 --timeout=5m`,
    `  kubectl get cassandrarestores    (after the backup)`,
    '',
  ].join('\n'),
);

const custom = kc.makeApiClient(CustomObjectsApi);

/** Live progress of one resource, a line per change, until its Succeeded condition is decided. */
async function follow(kind: 'CassandraBackup' | 'CassandraRestore', name: string): Promise<boolean> {
  const { group, version, plural } = resourceNames[kind];
  let last = '';
  let linked = false;
  for (;;) {
    const obj = (await custom
      .getNamespacedCustomObject({ group, version, plural, namespace: NAMESPACE, name })
      .catch(() => undefined)) as CassandraBackup | CassandraRestore | undefined;
    const s = obj?.status;
    if (s?.workflowUrl && !linked) {
      process.stdout.write(`  workflow: ${s.workflowUrl}\n`);
      linked = true;
    }
    const succeeded = s?.conditions?.find((c) => c.type === 'Succeeded');
    const phase = s && 'phase' in s && s.phase ? ` ${s.phase}` : '';
    const line = s
      ? `  ${name}  ${s.state ?? '-'}${phase} ${s.progress ?? 0}%  [${(s.nodes ?? []).map((n) => `${n.pod.replace(`${CLUSTER}-cassandra-`, '')} ${n.progress ?? 0}%`).join(', ')}]  ${succeeded?.reason ?? ''}`
      : `  ${name}  (waiting for the operator)`;
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (succeeded && succeeded.status !== 'Unknown') {
      process.stdout.write(`\n  ${succeeded.reason}: ${succeeded.message}\n\n`);
      return succeeded.status === 'True';
    }
    if (!operator.isRunning()) {
      process.stdout.write(`The operator stopped; its log:\n${await tail(operatorLog)}\n`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

if (await follow('CassandraBackup', 'nightly-s3')) {
  // A bad day: rows deleted on every node. The example restore brings them back.
  const before = rowCount();
  for (const node of nodes) node.data.set('shop.orders', (node.data.get('shop.orders') ?? []).slice(0, 1));
  process.stdout.write(
    `Deleted rows of shop.orders: ${before} -> ${rowCount()} on the cluster. Applying ${RESTORE.slice(repoRoot.length + 1)}:\n`,
  );
  await kube('apply', '-n', NAMESPACE, '-f', RESTORE);
  if (await follow('CassandraRestore', 'restore-nightly')) {
    process.stdout.write(
      `Rows of shop.orders after the restore: ${rowCount()} (${before} before the rows were deleted).\n\n`,
    );
  }
}
process.stdout.write(
  [
    'Apply your own resources with kubectl (cluster "my-cluster"), for example backups on a schedule:',
    `  kubectl apply -n ${NAMESPACE} -f k8s/examples/backup-schedule.yaml && kubectl get -n ${NAMESPACE} cbs`,
    `  temporal schedule trigger --schedule-id "$(kubectl get -n ${NAMESPACE} cbs nightly -o jsonpath='{.status.scheduleId}')" --overlap-policy Skip`,
    'Ctrl-C stops the sandbox.',
    '',
  ].join('\n'),
);
// Stay up until a signal; the shutdown handlers stop everything.
setInterval(() => {}, 1 << 30);
