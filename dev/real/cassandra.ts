// A real Apache Cassandra 5.0 node on loopback, from Maven Central jars (cassandra-all and its
// runtime dependencies, resolved once into the tool cache): for the real tier of the Icarus contract
// tests. A node listens on its own loopback address (127.0.0.1 by default); CQL, storage and JMX ports
// are free ports; JMX listens on 127.0.0.1 without authentication, as the Icarus sidecar next to it
// expects. Nodes of one cluster share seeds; each may see its files through a node view (node-view.ts).
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildOnce } from '../stack/build-once.js';
import { toolDir } from '../stack/cache.js';
import { freePort } from '../../src/net/free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../stack/processes.js';
import { repoRoot } from '../stack/repo.js';
import { inNodeView, type NodeView } from './node-view.js';

export const CASSANDRA_VERSION = '5.0.8';

export interface CassandraNode {
  /** Its listen and CQL address. */
  readonly address: string;
  readonly cqlPort: number;
  /** `address:storagePort`, a seed for the nodes that join it. */
  readonly seed: string;
  readonly jmxPort: number;
  /** Folder that holds data/, commitlog/ ... as the node's processes see it: Icarus's cassandraDirectory. */
  readonly home: string;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function resolveCassandraLib(): Promise<string> {
  const dir = toolDir('cassandra', CASSANDRA_VERSION);
  await buildOnce({
    tool: 'mvn',
    title: `Cassandra ${CASSANDRA_VERSION} (cassandra-all and its dependencies from Maven Central)`,
    outDir: dir,
    binaries: ['lib'],
    estimate: '1 minute',
    steps: [
      {
        args: [
          '-B',
          '-q',
          '-f',
          join(repoRoot, 'tools', 'cassandra', 'pom.xml'),
          'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
          '-DincludeScope=runtime',
          `-Dcassandra.version=${CASSANDRA_VERSION}`,
          '-DoutputDirectory=$OUT/lib',
        ],
      },
    ],
  });
  return join(dir, 'lib');
}

/** JDK 17 module flags from Cassandra's conf/jvm17-server.options (plus java.nio). */
const JDK17_FLAGS = [
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((m) => ['--add-exports', `${m}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
    'java.base/java.nio',
  ].flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]),
];

export async function startCassandra(opts: {
  workDir: string;
  clusterName: string;
  heap?: string;
  /** Listen and CQL address, default 127.0.0.1. */
  address?: string;
  /** `address:port` of running nodes to join; none: the node seeds itself. */
  seeds?: string[];
  /** Its files at a path shared with the other nodes' view of theirs. */
  view?: NodeView;
  /** CQL port (free when not given): nodes of one cluster on several addresses share it, as Pods do. */
  cqlPort?: number;
  /**
   * The node's tokens at its first start (`initial_token`, with `num_tokens` their count), as a node of
   * a new cluster that takes over a backed-up node's ranges is started (decimal Murmur3 tokens, as
   * esop's manifests list them). 16 random vnodes when not given.
   */
  initialTokens?: readonly string[];
  /**
   * false: the node joins with its tokens at once (`auto_bootstrap: false`), streaming nothing, as the
   * nodes of a cluster that start empty together may. Cassandra's default (true) when not given.
   */
  autoBootstrap?: boolean;
}): Promise<CassandraNode> {
  const tokens = opts.initialTokens;
  if (tokens && (tokens.length === 0 || tokens.some((t) => !/^-?\d{1,19}$/.test(t)))) {
    throw new Error(`initial tokens are Murmur3 tokens (decimal longs), not ${JSON.stringify(tokens)}`);
  }
  const lib = await resolveCassandraLib();
  const jamm = readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
  if (!jamm) throw new Error(`no jamm agent jar in ${lib}`);
  const address = opts.address ?? '127.0.0.1';
  // What the processes see, and where this process writes the same files.
  const home = join(opts.view?.path ?? opts.workDir, 'cassandra');
  const hostHome = join(opts.view?.folder ?? opts.workDir, 'cassandra');
  const conf = join(home, 'conf');
  const dataDir = join(home, 'data');
  mkdirSync(join(hostHome, 'conf'), { recursive: true });
  const [cqlPort, storagePort, jmxPort] = [
    opts.cqlPort ?? (await freePort(address)),
    await freePort(address),
    await freePort(),
  ];
  const seeds = opts.seeds?.length ? opts.seeds : [`${address}:${storagePort}`];
  writeFileSync(
    join(hostHome, 'conf', 'cassandra.yaml'),
    [
      `cluster_name: '${opts.clusterName}'`,
      `num_tokens: ${tokens?.length ?? 16}`,
      ...(tokens ? [`initial_token: ${tokens.join(',')}`] : []),
      ...(opts.autoBootstrap === false ? ['auto_bootstrap: false'] : []),
      'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
      'endpoint_snitch: SimpleSnitch',
      'seed_provider:',
      '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
      '    parameters:',
      `      - seeds: "${seeds.join(',')}"`,
      `listen_address: ${address}`,
      `rpc_address: ${address}`,
      `storage_port: ${storagePort}`,
      `native_transport_port: ${cqlPort}`,
      'start_native_transport: true',
      `data_file_directories: ['${dataDir}']`,
      `commitlog_directory: ${join(home, 'commitlog')}`,
      `saved_caches_directory: ${join(home, 'saved_caches')}`,
      `hints_directory: ${join(home, 'hints')}`,
      `cdc_raw_directory: ${join(home, 'cdc_raw')}`,
      'commitlog_sync: periodic',
      'commitlog_sync_period: 10000ms',
      'authenticator: AllowAllAuthenticator',
      'authorizer: AllowAllAuthorizer',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(hostHome, 'conf', 'logback.xml'),
    '<configuration scan="false"><appender name="OUT" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%-5level %date{ISO8601} %F:%L - %msg%n</pattern></encoder></appender><root level="INFO"><appender-ref ref="OUT"/></root></configuration>\n',
  );
  const heap = opts.heap ?? '512M';
  const command = inNodeView(opts.view, 'java', [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-Xss256k',
    '-XX:+UseG1GC',
    '-Djava.net.preferIPv4Stack=true',
    '-Djdk.attach.allowAttachSelf=true',
    ...JDK17_FLAGS,
    '-Dio.netty.tryReflectionSetAccessible=true',
    `-javaagent:${join(lib, jamm)}`,
    `-Dcassandra.jmx.local.port=${jmxPort}`,
    '-Dcom.sun.management.jmxremote.authenticate=false',
    `-Dcom.sun.management.jmxremote.rmi.port=${jmxPort}`,
    '-Djava.rmi.server.hostname=127.0.0.1',
    `-Dlogback.configurationFile=file://${join(conf, 'logback.xml')}`,
    `-Dcassandra.logdir=${join(home, 'logs')}`,
    `-Dcassandra.storagedir=${home}`,
    `-Dcassandra.config=file://${join(conf, 'cassandra.yaml')}`,
    '-Dcassandra-foreground=yes',
    '-Dcassandra.ring_delay_ms=1000',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-cp',
    `${conf}:${lib}/*`,
    'org.apache.cassandra.service.CassandraDaemon',
  ]);
  const proc = startProcess({
    name: 'cassandra',
    ...command,
    env: { ...process.env, MALLOC_ARENA_MAX: '4' },
    logFile: join(opts.workDir, 'cassandra.log'),
    graceSeconds: 20,
  });
  await waitUntilReady(proc, () => tcpOpen(cqlPort, address), 180_000, `CQL on ${address}:${cqlPort}`);
  return {
    address,
    cqlPort,
    seed: `${address}:${storagePort}`,
    jmxPort,
    home,
    dataDir,
    process: proc,
    stop: () => proc.stop(),
  };
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
