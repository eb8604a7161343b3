// The operator's configuration: environment variables, declared once here with what each means,
// parsed and validated at start-up (every invalid variable is reported at once), frozen afterwards.
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const readableFile = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a readable file' },
);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Every variable the operator reads, with its default and meaning. */
export const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233').describe('Temporal frontend, host:port.'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace of the workflows.'),
  TEMPORAL_TASK_QUEUE: z
    .string()
    .min(1)
    .default('cassandra-backup-operator')
    .describe('Task queue of workflows and activities.'),
  TEMPORAL_API_KEY_FILE: readableFile
    .optional()
    .describe('File holding a Temporal Cloud API key (read at start-up; the key is never logged).'),
  TEMPORAL_TLS: bool.default(false).describe('Connect to Temporal over TLS.'),
  TEMPORAL_TLS_CERT_FILE: readableFile
    .optional()
    .describe('Client certificate (PEM) for mutual TLS, with TEMPORAL_TLS_KEY_FILE; implies TLS.'),
  TEMPORAL_TLS_KEY_FILE: readableFile
    .optional()
    .describe('Private key (PEM) of the client certificate (never logged).'),
  TEMPORAL_TLS_CA_FILE: readableFile
    .optional()
    .describe("CA certificate (PEM) that signed the Temporal server's certificate, when not a public CA."),
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .min(1)
    .optional()
    .describe("Server name to check the Temporal server's certificate against, when not its address."),
  TEMPORAL_UI_URL: z
    .url()
    .optional()
    .describe('Base URL of the Temporal Web UI: status.workflowUrl links to it.'),
  WATCH_NAMESPACES: list
    .default([])
    .describe('Kubernetes namespaces to watch, comma separated; empty means all.'),
  POD_SELECTOR: z
    .string()
    .min(1)
    .default('cassandra-cluster-instance={cluster},cassandra-cluster-component=cassandra')
    .describe(
      "Label selector of a cluster's Cassandra pods; {cluster} is replaced by spec.cassandraCluster (k8ssandra: cassandra.datastax.com/cluster={cluster}).",
    ),
  DC_LABEL: z
    .string()
    .min(1)
    .default('cassandra-cluster-dc')
    .describe("Pod label holding the node's datacenter."),
  RACK_LABEL: z
    .string()
    .min(1)
    .default('cassandra-cluster-rack')
    .describe("Pod label holding the node's rack."),
  ICARUS_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(4567)
    .describe('Port of the Icarus sidecar in each Cassandra pod.'),
  ICARUS_GENERATION: z
    .enum(['auto', '2', '3'])
    .default('auto')
    .transform((v) => (v === 'auto' ? 'auto' : (Number(v) as 2 | 3)))
    .describe(
      'Icarus 2.x (reads the Secret named in the request) or 3.x (environment credentials); auto asks /version.',
    ),
  OPERATOR_RUN: z
    .enum(['all', 'watcher', 'worker'])
    .default('all')
    .describe(
      'What this process runs: the watcher (starts and signals workflows), the worker (runs them), or both.',
    ),
  CASSANDRA_DATA_DIRS: list
    .pipe(z.array(z.string().startsWith('/')).min(1))
    .default(['/var/lib/cassandra/data'])
    .describe("Cassandra's data directories inside its pods, comma separated (sent to Icarus)."),
  CASSANDRA_DIRECTORY: z
    .string()
    .startsWith('/')
    .default('/var/lib/cassandra')
    .describe("Cassandra's home directory inside its pods (a restore's cassandraDirectory, sent to Icarus)."),
  RESTORE_DOWNLOAD_DIR: z
    .string()
    .regex(/^file:\/\/\//, 'a file:/// URL')
    .default('file:///var/lib/cassandra/downloadedsstables')
    .describe(
      'Where a restore downloads SSTables on each node before importing them, as a file:/// URL outside the data directories.',
    ),
  NODE_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(16)
    .describe('Most nodes of one backup or restore that work at the same time.'),
  ICARUS_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(1000)
    .describe(
      "How often a running operation's progress is read from Icarus (sooner, down to 200 ms, when its pace says it is about to end).",
    ),
  ICARUS_UNREACHABLE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(120)
    .describe("How long a node's Icarus may stay unreachable before its operation counts as failed."),
  RETRY_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(86_400)
    .describe(
      'How long a failed backup or restore waits for the retry signal or a spec change before its workflow ends.',
    ),
  CONFIGURATION_WAIT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(120)
    .describe(
      "How long a backup or restore waits for something its spec names and that does not exist (the cluster's pods, the Secret, the CassandraBackup) before it turns FAILED; it still starts as soon as that appears, until RETRY_WINDOW_SECONDS.",
    ),
  CANCEL_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(300)
    .describe(
      'After asking Icarus to cancel, how long to wait for its operations to end before recording them as abandoned.',
    ),
  REMOVAL_RECHECK_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(120)
    .describe(
      "Longest wait between two tries of removing a deleted backup's data (deletionPolicy Delete) while a restore still uses it or the removal fails; tries start 5 s apart (or this, if shorter) and the wait doubles.",
    ),
  HEARTBEAT_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(2)
    .default(30)
    .describe("Heartbeat time-out of long activities: how soon a dead worker's work moves to another."),
  RESYNC_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .default(300)
    .describe('How often every watched resource is reconciled again, whatever happened.'),
  RECONCILE_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(32)
    .describe('Resources reconciled at the same time (each a few API and Temporal calls, mostly waiting).'),
  MAX_CONCURRENT_ACTIVITIES: z.coerce
    .number()
    .int()
    .min(10)
    .default(1000)
    .describe(
      'Activities one worker runs at once. Each running backup or restore holds one (its watch, mostly asleep between polls); more wait for a slot.',
    ),
  WORKFLOW_CACHE_SIZE: z.coerce
    .number()
    .int()
    .min(0)
    .default(200)
    .describe(
      "Workflows a worker keeps in memory between their steps; the others replay their (short) history when they next move. Bounds the worker's memory.",
    ),
  STATUS_WRITES_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(50)
    .default(1)
    .describe('Most status writes per resource per second.'),
  HTTP_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8081)
    .describe('Port of /healthz, /readyz and /metrics (0: any free port, logged at start-up).'),
  SHUTDOWN_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      "On SIGTERM, how long the worker lets running activities finish before cancelling them (another worker resumes them; keep it below the pod's terminationGracePeriodSeconds).",
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
    .default('info')
    .describe('Log level.'),
});

/** Rules across variables, checked after each one parsed. */
const configRules = configSchema.superRefine((c, ctx) => {
  if (Boolean(c.TEMPORAL_TLS_CERT_FILE) !== Boolean(c.TEMPORAL_TLS_KEY_FILE))
    ctx.addIssue({
      code: 'custom',
      path: [c.TEMPORAL_TLS_CERT_FILE ? 'TEMPORAL_TLS_KEY_FILE' : 'TEMPORAL_TLS_CERT_FILE'],
      message: 'TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together (mutual TLS)',
    });
  if (c.TEMPORAL_API_KEY_FILE && c.TEMPORAL_TLS_CERT_FILE)
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_API_KEY_FILE'],
      message: 'use either an API key or a client certificate, not both',
    });
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment: a frozen Config, or a ConfigError that lists every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configRules.safeParse(
    Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]])),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration (${lines.length} problem(s)):\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

interface SchemaDef {
  defaultValue?: unknown;
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
}

/** The default of a variable's schema, looking through optional, pipe and transform wrappers. */
function defaultOf(schema: { _zod: { def: SchemaDef } }): unknown {
  const def = schema._zod.def;
  if (def.defaultValue !== undefined) return def.defaultValue;
  const inner = def.innerType ?? def.in;
  return inner ? defaultOf(inner) : undefined;
}

/** Markdown table of every variable: for the docs (docs/configuration.md, written by `npm run gen:api`). */
export function describeConfig(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const def = defaultOf(schema as unknown as { _zod: { def: SchemaDef } });
    const text = Array.isArray(def)
      ? def.join(',')
      : typeof def === 'string' || typeof def === 'number' || typeof def === 'boolean'
        ? String(def)
        : JSON.stringify(def);
    const shown = def === undefined || text === '' ? '' : `\`${text}\``;
    return `| \`${key}\` | ${shown} | ${schema.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
