// The Icarus-compatible sidecar of the real tier (tools/icarus-node: the real sidecar-common REST layer
// and esop operations, wired as Icarus 3.0.0 wires them), built once per source version into the tool
// cache and started next to a Cassandra node.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildOnce } from '../stack/build-once.js';
import { toolDir } from '../stack/cache.js';
import { freePort } from '../../net/free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../stack/processes.js';
import { repoRoot } from '../stack/repo.js';
import { inNodeView, type NodeView } from './node-view.js';

const project = join(repoRoot, 'tools', 'icarus-node');
const MAIN = 'dev.cassandrabackupoperator.icarusnode.NodeSidecarMain';

export async function buildIcarusNode(): Promise<{ classes: string; classpath: string }> {
  const hash = createHash('sha256');
  for (const file of ['pom.xml', ...filesUnder(join(project, 'src'))]) {
    hash.update(file);
    hash.update(readFileSync(join(project, file)));
  }
  const dir = toolDir('icarus-node', hash.digest('hex').slice(0, 12));
  await buildOnce({
    tool: 'mvn',
    title: 'the Icarus-compatible node sidecar (esop 3.0.1 + sidecar-common 2.0.0)',
    outDir: dir,
    binaries: ['classes', 'classpath.txt'],
    estimate: '1 minute',
    steps: [
      {
        args: ['-B', '-q', '-f', join(project, 'pom.xml'), 'package', '-DskipTests', '-DbuildDirectory=$OUT'],
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
  } & SidecarJvmOptions,
): Promise<IcarusNode> {
  const { classes, classpath } = await buildIcarusNode();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const proc = startProcess({
    name: 'icarus-node',
    ...inNodeView(opts.view, 'java', [
      '-Xmx256m',
      ...(opts.jvmArgs ?? []),
      '-cp',
      `${classes}:${classpath}`,
      MAIN,
      `${host}:${port}`,
      `127.0.0.1:${opts.jmxPort}`,
    ]),
    env: { ...process.env, ...opts.env },
    logFile: join(opts.workDir, 'icarus-node.log'),
  });
  const url = `http://${host}:${port}`;
  await waitUntilReady(proc, () => fetch(`${url}/operations`).then((r) => r.ok), 120_000, `HTTP on ${url}`);
  return { url, process: proc, stop: () => proc.stop() };
}
