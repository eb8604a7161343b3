// What every end-to-end world (test/support/e2e/*.ts) holds: a namespace of its own with its Secrets,
// clients of the stack's kube-apiserver and Temporal dev server, operator processes (src/main.ts, each
// configured by environment to watch that namespace), and the clusters of simulated Icarus nodes behind
// Pods it started. stop() ends them all, whatever start() got to.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { createAzureSecret, createS3Secret, startPodCluster, type PodCluster } from '../cassandra-pods.js';
import { Backups, Restores, Schedules, Syncs } from '../custom-resources.js';
import { startOperator, type OperatorProcess } from '../operator.js';
import {
  createNamespace,
  kubeConfig,
  temporalClient,
  uniqueName,
  type TemporalClient,
} from '../stack-env.js';

export class OperatorWorld {
  kc!: KubeConfig;
  custom!: CustomObjectsApi;
  namespace!: string;
  temporal!: TemporalClient;
  backups!: Backups;
  restores!: Restores;
  schedules!: Schedules;
  syncs!: Syncs;
  /** Stopped with the world. */
  readonly clusters: PodCluster[] = [];
  protected readonly operators: OperatorProcess[] = [];

  /**
   * The namespace (named after `prefix`), the clients and the Secrets named (S3 or Azure keys). A wait
   * that times out shows the last `logLines` lines of the log of logSource() (the first operator's).
   */
  protected async open(
    prefix: string,
    secrets: { s3?: string; azure?: string },
    logLines = 30,
  ): Promise<void> {
    this.kc = kubeConfig();
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.namespace = await createNamespace(this.kc, prefix);
    this.temporal = await temporalClient();
    const logs = () => this.logSource()?.logs.slice(-logLines).join('\n') ?? '';
    this.backups = new Backups(this.kc, this.namespace, logs);
    this.restores = new Restores(this.kc, this.namespace, logs);
    this.schedules = new Schedules(this.kc, this.namespace, logs);
    this.syncs = new Syncs(this.kc, this.namespace, logs);
    if (secrets.s3) await createS3Secret(this.kc, this.namespace, secrets.s3);
    if (secrets.azure) await createAzureSecret(this.kc, this.namespace, secrets.azure);
  }

  /** The operator whose log a wait that times out shows: the first one started. */
  protected logSource(): OperatorProcess | undefined {
    return this.operators[0];
  }

  /** An operator process watching the namespace, configured by `env` besides. */
  protected runOperator(env: Record<string, string>): OperatorProcess {
    const operator = startOperator({ WATCH_NAMESPACES: this.namespace, ...env });
    this.operators.push(operator);
    return operator;
  }

  /**
   * An operator for the restore files (Icarus polled every 200 ms, quick resyncs, Icarus 3.x requests) on
   * a task queue named after `prefix`, once it watches restores and its worker runs.
   */
  protected async runRestoreOperator(prefix: string): Promise<OperatorProcess> {
    const operator = this.runOperator({
      TEMPORAL_TASK_QUEUE: uniqueName(prefix),
      ICARUS_POLL_INTERVAL_MS: '200',
      STATUS_WRITES_PER_SECOND: '4',
      ICARUS_GENERATION: '3',
      RESYNC_SECONDS: '5',
    });
    await operator.waitForLog(/Watching CassandraRestores/);
    await operator.waitForLog(/Worker running/);
    return operator;
  }

  /** Simulated Icarus nodes behind Pods in the namespace. */
  protected async podCluster(opts: Parameters<typeof startPodCluster>[2]): Promise<PodCluster> {
    const c = await startPodCluster(this.kc, this.namespace, opts);
    this.clusters.push(c);
    return c;
  }

  async stop(): Promise<void> {
    await Promise.all(this.operators.map((o) => o.stop()));
    await Promise.all(this.clusters.map((c) => c.stop()));
    await this.temporal?.close();
  }
}
