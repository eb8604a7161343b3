import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { allSearchAttributes } from '../../src/temporal/search-attributes.js';
import { say } from './log.js';
import { freePort } from '../../src/net/free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './processes.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface TemporalServerOptions {
  /** Folder for the server's log file. */
  workDir: string;
  /** Serve the Web UI (off in tests). */
  ui?: boolean;
  /** SQLite file: state survives a restart of the server. Without it, state lives in memory. */
  dbFile?: string;
}

export interface TemporalServer {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  readonly uiUrl: string | undefined;
  /** What was started, for messages: "temporal CLI (cache)", "existing server at TEMPORAL_ADDRESS", ... */
  readonly description: string;
  stop(): Promise<void>;
  /**
   * Stops the server and, after `downMs`, starts it again on the same port and db file (fault tests).
   * With `kill`, the stop is a SIGKILL: no clean shutdown.
   */
  restart(downMs?: number, opts?: { kill?: boolean }): Promise<void>;
}

/**
 * A real Temporal dev server on loopback, or the server named by `TEMPORAL_ADDRESS` when that is set
 * (then nothing is started and `stop` leaves it alone).
 */
export async function startTemporal(opts: TemporalServerOptions): Promise<TemporalServer> {
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    await waitForFrontend(existing, namespace, 15_000).catch((err: unknown) => {
      throw new Error(
        `TEMPORAL_ADDRESS=${existing} did not answer for namespace '${namespace}': ${String(err)}`,
      );
    });
    return {
      address: existing,
      namespace,
      uiUrl: process.env.TEMPORAL_UI_URL,
      description: `existing Temporal at TEMPORAL_ADDRESS=${existing}`,
      stop: async () => {},
      restart: () => Promise.reject(new Error('cannot restart a Temporal server given by TEMPORAL_ADDRESS')),
    };
  }

  const cli = await resolveTemporalCli();
  const port = await freePort();
  const uiPort = opts.ui ? await freePort() : undefined;
  const uiUrl = uiPort ? `http://127.0.0.1:${uiPort}` : undefined;
  const address = `127.0.0.1:${port}`;

  if (cli.kind === 'sdk-download') {
    say(
      'temporal',
      'No Go and no TEMPORAL_CLI_PATH: letting the Temporal SDK download its dev server (needs the internet).',
    );
    const server = {
      ip: '127.0.0.1',
      port,
      ui: !!uiPort,
      uiPort,
      dbFilename: opts.dbFile,
      searchAttributes: allSearchAttributes,
    };
    let env = await TestWorkflowEnvironment.createLocal({ server });
    return {
      address,
      namespace: 'default',
      uiUrl,
      description: 'temporal dev server downloaded by the SDK',
      stop: () => env.teardown(),
      restart: async (downMs = 0) => {
        await env.teardown();
        await sleep(downMs);
        env = await TestWorkflowEnvironment.createLocal({ server });
      },
    };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...allSearchAttributes.flatMap((sa) => [
      '--search-attribute',
      `${sa.name}=${searchAttributeTypeName(sa.type)}`,
    ]),
  ];
  const launch = async (): Promise<ManagedProcess> => {
    const proc = startProcess({
      name: 'temporal',
      command: cli.path,
      args,
      logFile: join(opts.workDir, 'temporal.log'),
      graceSeconds: 10,
    });
    await waitUntilReady(
      proc,
      () => waitForFrontend(address, namespace, 1000).then(() => true),
      60_000,
      `gRPC on ${address}`,
    );
    return proc;
  };
  let proc = await launch();
  return {
    address,
    namespace,
    uiUrl,
    description: `temporal CLI ${cli.path} (${cli.source})`,
    stop: () => proc.stop(),
    restart: async (downMs = 0, { kill = false } = {}) => {
      await (kill ? proc.kill() : proc.stop());
      await sleep(downMs);
      proc = await launch();
    },
  };
}

function searchAttributeTypeName(type: string): string {
  const names: Record<string, string> = {
    TEXT: 'Text',
    KEYWORD: 'Keyword',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  const name = names[type];
  if (!name) throw new Error(`unknown search attribute type ${type}`);
  return name;
}

/** Resolves once the frontend answers and the namespace exists. */
async function waitForFrontend(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}
