// The Icarus-compatible sidecar of the real tier (tools/icarus-node: the real sidecar-common REST layer
// and esop operations, wired as Icarus wires them), in either generation: 3 (esop 3.0.1 + sidecar-common
// 2.0.0, as Icarus 3.0.0) or 2 (esop 2.0.4 + sidecar-common 1.3.18, as Icarus 2.0.4). One source, built
// once per generation and source version into the tool cache, and started next to a Cassandra node.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildOnce } from '../stack/build-once.js';
import { toolDir } from '../stack/cache.js';
import { freePort } from '../../src/net/free-port.js';
import type { IcarusGeneration } from '../../src/icarus/requests.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../stack/processes.js';
import { repoRoot } from '../stack/repo.js';
import { inNodeView, type NodeView } from './node-view.js';

const project = join(repoRoot, 'tools', 'icarus-node');
const MAIN = 'dev.cassandrabackupoperator.icarusnode.NodeSidecarMain';

/** What differs per generation; the versions themselves are in tools/icarus-node/pom.xml. */
const GENERATIONS: Record<
  IcarusGeneration,
  { cacheName: string; title: string; mavenArgs: string[]; jvmArgs: string[] }
> = {
  3: {
    cacheName: 'icarus-node',
    title: 'the Icarus-compatible node sidecar (esop 3.0.1 + sidecar-common 2.0.0)',
    mavenArgs: [],
    jvmArgs: [],
  },
  2: {
    cacheName: 'icarus-node-2',
    title: 'the Icarus 2.x-compatible node sidecar (esop 2.0.4 + sidecar-common 1.3.18)',
    mavenArgs: ['-Picarus-2'],
    // Guice 4.2.2 (in esop 2.0.4) defines classes through ClassLoader.defineClass by reflection, which
    // Java 17 refuses without this: the injector is never created.
    jvmArgs: ['--add-opens', 'java.base/java.lang=ALL-UNNAMED'],
  },
};

export async function buildIcarusNode(
  generation: IcarusGeneration = 3,
): Promise<{ classes: string; classpath: string }> {
  const { cacheName, title, mavenArgs } = GENERATIONS[generation];
  const hash = createHash('sha256');
  for (const file of ['pom.xml', ...filesUnder(join(project, 'src'))]) {
    hash.update(file);
    hash.update(readFileSync(join(project, file)));
  }
  const dir = toolDir(cacheName, hash.digest('hex').slice(0, 12));
  await buildOnce({
    tool: 'mvn',
    title,
    outDir: dir,
    binaries: ['classes', 'classpath.txt'],
    estimate: '1 minute',
    steps: [
      {
        args: [
          '-B',
          '-q',
          ...mavenArgs,
          '-f',
          join(project, 'pom.xml'),
          'package',
          '-DskipTests',
          '-DbuildDirectory=$OUT',
        ],
      },
    ],
  });
  return {
    classes: join(dir, 'classes'),
    classpath: readFileSync(join(dir, 'classpath.txt'), 'utf8').trim(),
  };
}

/** Every file under `dir`, sorted, as paths relative to the project. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(project, join(e.parentPath, e.name)))
    .sort();
}

export interface IcarusNode {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Test-tier plumbing for the sidecar's JVM, never part of what the operator sends: system properties
 * (`-Djdk.net.hosts.file=…`, `-Djavax.net.ssl.trustStore=…`) and environment (esop 3.x takes its
 * cloud credentials from there: AWS_*, AZURE_STORAGE_*, GOOGLE_APPLICATION_CREDENTIALS). The values
 * may be credentials: they go to the process environment only, never to an argument or a log line.
 */
export interface SidecarJvmOptions {
  /** Extra JVM options, before the main class (no secrets: `ps` shows them). */
  jvmArgs?: string[];
  /** Added to the inherited environment. */
  env?: Record<string, string>;
}

export interface SidecarOptions extends SidecarJvmOptions {
  /** Which Icarus generation the sidecar is built as: 3 by default. */
  generation?: IcarusGeneration;
  /**
   * Generation 2 only: read the credentials Secret named in each request through the Kubernetes API as
   * this kubeconfig's identity (esop 2.x's client mode, `-Dkubernetes.client=true`), as Icarus 2.x in a
   * Pod reads it with its ServiceAccount. The identity needs `list` on Secrets: esop lists them.
   */
  kubeconfig?: string;
}

export async function startIcarusNode(
  opts: {
    workDir: string;
    jmxPort: number;
    /** Its HTTP address: its node's (the operator calls http://<pod IP>:ICARUS_PORT). */
    host?: string;
    /** Its HTTP port: free when not given (nodes of one cluster share ICARUS_PORT). */
    port?: number;
    /** Its node's files at the path the node sees them (node-view.ts). */
    view?: NodeView;
  } & SidecarOptions,
): Promise<IcarusNode> {
  const generation = opts.generation ?? 3;
  if (opts.kubeconfig && generation !== 2) {
    throw new Error('only an Icarus 2.x sidecar reads Secrets through the Kubernetes API (kubeconfig)');
  }
  const { classes, classpath } = await buildIcarusNode(generation);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  const kubernetes: string[] = [];
  if (opts.kubeconfig) {
    env.KUBECONFIG = opts.kubeconfig;
    // With these set, commons 1.5.0 takes the sidecar for a Pod and reads the in-cluster ServiceAccount
    // files (absent here) instead of the kubeconfig.
    delete env.KUBERNETES_SERVICE_HOST;
    delete env.KUBERNETES_SERVICE_PORT;
    kubernetes.push('-Dkubernetes.client=true');
  }
  // A temporary folder of its own, as each Pod has its own /tmp: esop writes a backup's manifest to
  // ${java.io.tmpdir}/manifests/<tag>.json, uploads it from there and deletes it (esop-2.0.4
  // Manifest.java:234-236 and :172-176, esop-3.0.1 Manifest.java:245-247), and the operator sends every
  // node the same tag. With one /tmp for the nodes of a ring, a node uploaded the other node's manifest
  // cut to its own length (seen with esop 2.0.4 on Azurite), or found it deleted.
  mkdirSync(join(opts.view?.folder ?? opts.workDir, 'tmp'), { recursive: true });
  const tmpDir = join(opts.view?.path ?? opts.workDir, 'tmp');
  const proc = startProcess({
    name: generation === 2 ? 'icarus-node-2' : 'icarus-node',
    ...inNodeView(opts.view, 'java', [
      '-Xmx256m',
      `-Djava.io.tmpdir=${tmpDir}`,
      ...GENERATIONS[generation].jvmArgs,
      ...kubernetes,
      ...(opts.jvmArgs ?? []),
      '-cp',
      `${classes}:${classpath}`,
      MAIN,
      `${host}:${port}`,
      `127.0.0.1:${opts.jmxPort}`,
    ]),
    env,
    logFile: join(opts.workDir, 'icarus-node.log'),
  });
  const url = `http://${host}:${port}`;
  await waitUntilReady(proc, () => fetch(`${url}/operations`).then((r) => r.ok), 120_000, `HTTP on ${url}`);
  return { url, process: proc, stop: () => proc.stop() };
}
