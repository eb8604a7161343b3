// The benchmark's world: the local stack (real Temporal dev server, real kube-apiserver + etcd), the
// compiled operator as the image runs it (dist/), simulated Cassandra clusters behind real Pods, and an
// observer per namespace. Each scenario gets its own namespace, task queue and operator process, so one
// scenario's resources, memory and counters never mix with another's.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { resourceNames } from '../src/kube/api/resources.js';
import { startPodCluster, type PodCluster } from '../dev/simulated-pods.js';
import type { Stack } from '../dev/stack/index.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../dev/stack/processes.js';
import { repoRoot } from '../dev/stack/repo.js';
import type { Timing } from '../dev/icarus-simulator/operations.js';
import { freePort } from '../src/net/free-port.js';
import { Observer } from './observer.js';

const run = promisify(execFile);

/** The bucket every scenario backs up to: each simulated cluster has it from the start. */
export const BENCH_LOCATION = 's3://bench';

export interface BenchOperator {
  process: ManagedProcess;
  logFile: string;
  metricsUrl: string;
  /** The operator's own pid (under the stack's watchdog shell). */
  pid(): number;
  /** Peak resident memory so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Resident memory now (VmRSS), in bytes. */
  rssBytes(): number;
  /** Resident memory now by kind (RssAnon: heaps and allocations; RssFile: mapped files, code), in bytes. */
  rssKinds(): { anonBytes: number; fileBytes: number };
  /** CPU time the process has used so far (user + system), in seconds. */
  cpuSeconds(): number;
  /**
   * The V8 heaps of the operator's threads, from bench/memory-probe.cjs (only for an operator started
   * with `memoryProbe`): as they are, after a full GC in every thread, or after heap snapshots.
   */
  heaps(action?: 'gc' | 'snapshot'): Promise<ProbedMemory>;
  stop(): Promise<void>;
}

export interface ProbedMemory {
  rssBytes: number;
  arrayBuffersBytes: number;
  threads: {
    threadId: number;
    usedBytes: number;
    totalBytes: number;
    externalBytes: number;
    mallocedBytes: number;
    snapshot?: string;
  }[];
}

export class Bench {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  private clusterCount = 0;
  private operatorCount = 0;
  private readonly cleanups: (() => Promise<void>)[] = [];

  private constructor(
    readonly stack: Stack,
    readonly temporal: Client,
    private readonly connection: Connection,
  ) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(stack.kube.kubeconfigPath);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
  }

  static async create(stack: Stack): Promise<Bench> {
    const connection = await Connection.connect({ address: stack.temporal.address });
    return new Bench(stack, new Client({ connection, namespace: stack.temporal.namespace }), connection);
  }

  /** A namespace holding the storage Secret `creds` (S3-style keys; the simulator reads none). */
  async namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${Date.now().toString(36)}`;
    await this.core.createNamespace({ body: { metadata: { name } } });
    await this.core.createNamespacedSecret({
      namespace: name,
      body: {
        metadata: { name: 'creds' },
        stringData: { awsaccesskeyid: 'bench', awssecretaccesskey: 'bench', awsregion: 'us-east-1' },
      },
    });
    return name;
  }

  /** `count` clusters of `nodes` nodes each (Icarus simulators on their own loopback addresses, one Pod per node). */
  async clusters(
    namespace: string,
    count: number,
    nodes: number,
    timing: Partial<Timing>,
    parallel = 16,
  ): Promise<PodCluster[]> {
    const out: PodCluster[] = [];
    let next = 0;
    const one = async () => {
      while (next < count) {
        const i = next++;
        const n = this.clusterCount++;
        const c = await startPodCluster(this.kc, namespace, {
          name: `ring${i}`,
          datacenters: { dc1: nodes },
          timing,
          // 127.200.0.x upwards: one /24 per cluster, never shared with another cluster of this run.
          addressPrefix: `127.${200 + Math.floor(n / 256)}.${n % 256}`,
          buckets: [BENCH_LOCATION],
        });
        out[i] = c;
        this.cleanups.push(() => c.stop());
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, one));
    return out;
  }

  async observe(namespace: string, kind: 'CassandraBackup' | 'CassandraRestore'): Promise<Observer> {
    const o = new Observer(this.kc, namespace, kind);
    await o.start();
    this.cleanups.push(() => Promise.resolve(o.stop()));
    return o;
  }

  async create(
    namespace: string,
    kind: 'CassandraBackup' | 'CassandraRestore',
    name: string,
    spec: Record<string, unknown>,
  ): Promise<void> {
    const { group, version, plural } = resourceNames[kind];
    await this.custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec },
    });
  }

  /** The compiled operator (watcher + worker) watching `namespace` on its own task queue. */
  async operator(
    namespace: string,
    env: Record<string, string> = {},
    opts: { memoryProbe?: boolean } = {},
  ): Promise<BenchOperator> {
    const n = ++this.operatorCount;
    const logFile = join(this.stack.workDir, `operator-${namespace}-${n}.log`);
    const httpPort = await freePort();
    const probePort = opts.memoryProbe ? await freePort() : undefined;
    const proc = startProcess({
      name: `operator-${n}`,
      command: process.execPath,
      // BENCH_OPERATOR_NODE_ARGS: extra Node flags for the operator, e.g. --cpu-prof to see where its time goes.
      args: [
        ...(process.env.BENCH_OPERATOR_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ...(probePort ? ['--expose-gc', '--require', join(repoRoot, 'bench', 'memory-probe.cjs')] : []),
        '--enable-source-maps',
        join(repoRoot, 'dist', 'src', 'main.js'),
      ],
      logFile,
      cwd: repoRoot,
      env: {
        ...process.env,
        ...this.stack.env(),
        WATCH_NAMESPACES: namespace,
        TEMPORAL_TASK_QUEUE: `bench-${namespace}`,
        ICARUS_GENERATION: '3',
        HTTP_PORT: String(httpPort),
        LOG_LEVEL: 'info',
        ...(probePort
          ? { BENCH_MEMORY_PROBE_PORT: String(probePort), BENCH_MEMORY_PROBE_DIR: this.stack.workDir }
          : {}),
        ...env,
      },
    });
    const logText = () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    await waitUntilReady(
      proc,
      () => Promise.resolve(logText().includes('Worker running')),
      180_000,
      'worker',
    );
    const pid = () => {
      const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim();
      const first = Number(children.split(/\s+/)[0]);
      if (!first) throw new Error(`operator ${n}: no child under its watchdog (${proc.pid})`);
      return first;
    };
    const operatorPid = pid();
    const statusKb = (field: string) => {
      const line = readFileSync(`/proc/${operatorPid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${field}:`));
      return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
    };
    const op: BenchOperator = {
      process: proc,
      logFile,
      metricsUrl: `http://127.0.0.1:${httpPort}/metrics`,
      pid: () => operatorPid,
      peakRssBytes: () => statusKb('VmHWM'),
      rssBytes: () => statusKb('VmRSS'),
      rssKinds: () => ({ anonBytes: statusKb('RssAnon'), fileBytes: statusKb('RssFile') }),
      cpuSeconds: () => {
        // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
        const fields = readFileSync(`/proc/${operatorPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / 100;
      },
      heaps: async (action) => {
        if (!probePort) throw new Error(`operator ${n} was started without the memory probe`);
        const res = await fetch(`http://127.0.0.1:${probePort}/${action ?? 'memory'}`, {
          method: action ? 'POST' : 'GET',
          signal: AbortSignal.timeout(120_000),
        });
        if (!res.ok) throw new Error(`memory probe of operator ${n}: HTTP ${res.status}`);
        return (await res.json()) as ProbedMemory;
      },
      stop: () => proc.stop(),
    };
    this.cleanups.push(() => proc.stop());
    return op;
  }

  /** Write requests the API server counted (apiserver_request_total), by verb and resource, from its /metrics. */
  async apiWrites(): Promise<Map<string, number>> {
    const kubectl = this.stack.kube.kubectl ?? 'kubectl';
    const { stdout } = await run(
      kubectl,
      ['--kubeconfig', this.stack.kube.kubeconfigPath, 'get', '--raw', '/metrics'],
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const out = new Map<string, number>();
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) continue;
      const labels = Object.fromEntries(
        [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
      );
      if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'].includes(labels.verb ?? '')) continue;
      const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
      out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return out;
  }

  async close(): Promise<void> {
    for (const c of this.cleanups.reverse()) await c().catch(() => {});
    await this.connection.close();
  }
}
