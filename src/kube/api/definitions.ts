// The CassandraBackup and CassandraRestore API: the single source of the CRDs in k8s/crds/ and of the
// TypeScript model in ./generated.ts (both written by `npm run gen:api`; a test fails when either
// differs from what this file produces).
//
// Field names, types and meanings are those of the IBM cassandra-operator (db.ibm.com/v1alpha1), so
// its manifests work unchanged. Fields added here are marked "(added)". Validation runs on the API
// server: structural schema plus CEL rules whose messages say what to write instead.
import type { CrdDefinition, PrinterColumn, Rule, Schema } from './schema.js';

// ---------------------------------------------------------------------------------------------------
// Reusable field schemas

const PROTOCOLS = ['s3', 'gcp', 'azure', 'oracle', 'minio', 'ceph', 'file'];

/**
 * Rules of a storage location, the forms Icarus parses (esop's StorageLocation, and
 * src/icarus/storage-location.ts): `protocol://bucket`, `protocol://bucket/cluster/dc/node` (the last three
 * parts are replaced per node), or `file:///absolute/folder/bucket`. A path of one or two parts after the
 * bucket (the IBM docs' `s3://bucket-name/backup/location`) never worked with Icarus: refused here.
 */
const storageLocationRules: Rule[] = [
  {
    rule: `self.matches(r'^(${PROTOCOLS.join('|')})://')`,
    messageExpression: `'storageLocation must start with one of ${PROTOCOLS.map((p) => `${p}://`).join(', ')}; got "' + self + '"'`,
  },
  {
    rule: String.raw`self.startsWith('file://') ? self.matches(r'^file:///\S*[^/\s]\S*$') : self.matches(r'^[a-z0-9]+://[^/\s]+(/\S*)?$')`,
    message:
      'storageLocation must be protocol://bucket[/path] (file:///absolute/path for file), without spaces',
  },
  {
    rule: String.raw`self.startsWith('file://') || !self.matches(r'^[a-z0-9]+://[^/\s]+(/[^/\s]+){1,2}/*$')`,
    messageExpression: `'storageLocation "' + self + '": Icarus takes protocol://bucket or protocol://bucket/cluster/dc/node, never one or two folders after the bucket; write protocol://bucket (each node then writes under bucket/cluster/dc/node)'`,
  },
];

function storageLocation(required: boolean): Schema {
  return {
    type: 'string',
    maxLength: 1024,
    description:
      "Where the backup's files are: 'protocol://bucket' with protocol s3, gcp, azure, oracle, minio, ceph (or 'protocol://bucket/cluster/dc/node', whose last three parts Icarus replaces per node; one or two folders after the bucket are refused), or file:///absolute/folder/bucket. " +
      (required ? '' : 'Taken from the CassandraBackup when empty. ') +
      'Each node writes under <bucket>/<cluster>/<dc>/<hostId>/, as Icarus does.',
    'x-kubernetes-validations': required
      ? storageLocationRules
      : storageLocationRules.map((r) => ({ ...r, rule: `self == '' || (${r.rule})` })),
  };
}

const DNS_SUBDOMAIN = String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;

function objectName(what: string, description: string, allowEmpty: boolean): Schema {
  return {
    type: 'string',
    maxLength: 253,
    description,
    'x-kubernetes-validations': [
      {
        rule: `${allowEmpty ? "self == '' || " : ''}self.matches(r'${DNS_SUBDOMAIN}')`,
        messageExpression: `'${what} must be a Kubernetes object name (lower case letters, digits, \\'-\\' and \\'.\\'); got "' + self + '"'`,
      },
    ],
  };
}

const cassandraCluster: Schema = {
  type: 'string',
  maxLength: 63,
  description:
    "Name of the Cassandra cluster: the value of the Cassandra pods' cluster label (cassandra-cluster-instance for the IBM operator; configurable).",
  'x-kubernetes-validations': [
    {
      rule: String.raw`self.matches(r'^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')`,
      messageExpression: `'cassandraCluster must be a label value (letters, digits, \\'-\\', \\'_\\', \\'.\\', at most 63); got "' + self + '"'`,
    },
    {
      rule: 'self == oldSelf',
      message: 'cassandraCluster cannot change: create a new resource for another cluster',
    },
  ],
};

const snapshotTag: Schema = {
  type: 'string',
  maxLength: 180,
  description:
    'Tag that names the backup. Defaults to the resource name (its first 180 characters). Icarus stores it as <tag>-<schemaVersion>-<epochMillis>; status.snapshotTag shows that full tag.',
  'x-kubernetes-validations': [
    {
      rule: String.raw`self == '' || self.matches(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')`,
      messageExpression: `'snapshotTag may hold letters, digits, \\'.\\', \\'_\\' and \\'-\\' and must start with a letter or digit; got "' + self + '"'`,
    },
  ],
};

const IDENT = '[A-Za-z0-9_]+';
const entities: Schema = {
  type: 'string',
  maxLength: 4096,
  description:
    "Keyspaces ('ks1,ks2') or tables ('ks1.t1,ks2.t2'), never both kinds in one list. Empty means every keyspace.",
  'x-kubernetes-validations': [
    {
      rule:
        `self == '' || self.matches(r'^\\s*${IDENT}(\\s*,\\s*${IDENT})*\\s*$') || ` +
        `self.matches(r'^\\s*${IDENT}\\.${IDENT}(\\s*,\\s*${IDENT}\\.${IDENT})*\\s*$')`,
      messageExpression: `'entities must list keyspaces (\\'ks1,ks2\\') or tables (\\'ks1.t1,ks2.t2\\'), not a mix of both; got "' + self + '"'`,
    },
  ],
};

const timeout: Schema = {
  type: 'integer',
  format: 'int64',
  minimum: 1,
  default: 5,
  description: 'Hours after which the operation is failed if not finished.',
};

const concurrentConnections = (verb: string): Schema => ({
  type: 'integer',
  format: 'int64',
  minimum: 1,
  default: 10,
  description: `Number of threads used to ${verb} files on each node.`,
});

const retry: Schema = {
  tsName: 'Retry',
  type: 'object',
  description: 'Retries of single file uploads / downloads, done by Icarus itself.',
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Retry failed uploads / downloads.' },
    interval: {
      type: 'integer',
      format: 'int64',
      minimum: 1,
      default: 10,
      description: 'Seconds between attempts (doubled on each attempt with EXPONENTIAL).',
    },
    strategy: {
      type: 'string',
      enum: ['LINEAR', 'EXPONENTIAL'],
      default: 'LINEAR',
      description: 'How the interval grows.',
    },
    maxAttempts: {
      type: 'integer',
      format: 'int64',
      minimum: 1,
      default: 3,
      description: 'Attempts before giving up.',
    },
  },
};

const insecure: Schema = { type: 'boolean', description: 'S3-like stores only: talk HTTP instead of HTTPS.' };
const skipBucketVerification: Schema = {
  type: 'boolean',
  description:
    'Do not check that the bucket exists before the upload (default false: every node checks it, and a missing bucket fails the backup with BucketNotFound). For credentials that may not check it (S3 with Icarus 3.x lists buckets: s3:ListAllMyBuckets). Nothing is then created: a missing bucket fails the uploads.',
};
const restoreSkipBucketVerification: Schema = {
  type: 'boolean',
  description:
    'Sent to Icarus as is (default false). Icarus checks the bucket before every restore phase whatever it says: a missing bucket fails the restore with BucketNotFound. A restore never creates its bucket.',
};

// ---------------------------------------------------------------------------------------------------
// Status, shared by both kinds

const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

const condition: Schema = {
  tsName: 'Condition',
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316, description: 'CamelCase condition type, e.g. Succeeded.' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: time('When status last changed.'),
    reason: { type: 'string', maxLength: 1024, description: 'One CamelCase word a program can act on.' },
    message: { type: 'string', maxLength: 32768, description: 'What happened, for people.' },
  },
};

const statusError: Schema = {
  tsName: 'StatusError',
  type: 'object',
  description: 'An error reported by a node (IBM field).',
  properties: {
    source: { type: 'string', description: 'The node (pod) where it happened.' },
    message: { type: 'string' },
  },
};

const nodeStatus = (restore: boolean): Schema => ({
  tsName: restore ? 'RestoreNodeStatus' : 'BackupNodeStatus',
  type: 'object',
  required: ['pod'],
  properties: {
    pod: { type: 'string', description: 'Cassandra pod.' },
    dc: { type: 'string' },
    rack: { type: 'string' },
    hostId: { type: 'string', description: "Cassandra host id: the node's folder in the storage location." },
    address: { type: 'string', description: 'Icarus endpoint, host:port.' },
    operationId: { type: 'string', description: 'Id of the current Icarus operation on this node.' },
    state: {
      type: 'string',
      description: 'Icarus state of that operation: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED.',
    },
    progress: { type: 'integer', minimum: 0, maximum: 100, description: 'Percent done on this node.' },
    ...(restore
      ? { phase: { type: 'string', description: 'Restore phase this node is in or finished last.' } }
      : {}),
    startTime: time('When work started on this node.'),
    completionTime: time('When work ended on this node.'),
    lastError: { type: 'string', description: 'Last error seen on this node.' },
  },
});

function status(restore: boolean): Schema {
  return {
    tsName: restore ? 'CassandraRestoreStatus' : 'CassandraBackupStatus',
    type: 'object',
    properties: {
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        description: 'The metadata.generation this status describes.',
      },
      state: {
        type: 'string',
        description: `State of the ${restore ? 'restore' : 'backup'} as Icarus names it (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED) (IBM field).`,
      },
      progress: {
        type: 'integer',
        minimum: 0,
        maximum: 100,
        description:
          'Percent done over all nodes (IBM field). Success is the Succeeded condition, never progress 100.',
      },
      errors: { type: 'array', items: statusError, description: 'Errors of all nodes (IBM field).' },
      conditions: {
        type: 'array',
        items: condition,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        description: 'Succeeded (Unknown while running, then True or False) and the detail conditions.',
      },
      startTime: time('When the first node started work.'),
      completionTime: time('When the operation ended, successfully or not.'),
      snapshotTag: {
        type: 'string',
        description: 'The full tag used in storage: <tag>-<schemaVersion>-<epochMillis>.',
      },
      schemaVersion: { type: 'string', description: 'Cassandra schema version of the backup.' },
      workflowId: { type: 'string', description: 'Id of the Temporal workflow that runs this resource.' },
      workflowUrl: {
        type: 'string',
        description: 'Link to that workflow in the Temporal Web UI, when configured.',
      },
      nodes: {
        type: 'array',
        items: nodeStatus(restore),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['pod'],
        description: 'One entry per Cassandra node.',
      },
      ...(restore
        ? {
            phase: {
              type: 'string',
              description:
                'Current restore phase: DOWNLOAD, TRUNCATE, IMPORT, CLEANUP (each a barrier over all nodes).',
            },
            phases: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              description: 'One entry per restore phase, in order: how far each got over all its nodes.',
              items: {
                tsName: 'RestorePhaseStatus',
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string', description: 'DOWNLOAD, TRUNCATE, IMPORT or CLEANUP.' },
                  state: {
                    type: 'string',
                    description: 'PENDING, RUNNING, COMPLETED, FAILED or CANCELLED.',
                  },
                  nodes: { type: 'integer', minimum: 0, description: 'Nodes this phase runs on.' },
                  completedNodes: { type: 'integer', minimum: 0, description: 'Nodes done with this phase.' },
                  startTime: time('When the phase started.'),
                  completionTime: time('When the phase ended on its last node.'),
                },
              },
            },
            source: {
              tsName: 'RestoreSource',
              type: 'object',
              description: 'Where the data is restored from, as resolved.',
              properties: {
                cassandraBackup: { type: 'string' },
                storageLocation: { type: 'string' },
                snapshotTag: { type: 'string' },
                secretName: { type: 'string' },
                schemaVersion: {
                  type: 'string',
                  description: "The backup's Cassandra schema version, when known.",
                },
              },
            },
          }
        : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// CassandraBackup

const DURATION_UNITS = ['days', 'hours', 'minutes', 'seconds', 'milliseconds', 'microseconds', 'nanoseconds'];

/**
 * The CassandraBackup spec. As a schedule's template it loses the rules over time (`oldSelf`): a
 * template may change, and each backup made from it is then frozen on its own.
 */
function backupSpecSchema(template: boolean): Schema {
  return {
    tsName: 'CassandraBackupSpec',
    type: 'object',
    required: ['cassandraCluster', 'storageLocation', 'secretName'],
    properties: {
      cassandraCluster: template ? withoutTransitionRules(cassandraCluster) : cassandraCluster,
      storageLocation: storageLocation(true),
      secretName: objectName(
        'secretName',
        'Secret (same namespace) with the storage credentials: awsaccesskeyid, awssecretaccesskey, awsregion, awsendpoint; azurestorageaccount, azurestoragekey; or gcp.',
        false,
      ),
      snapshotTag,
      duration: {
        type: 'string',
        maxLength: 64,
        description:
          "Target duration of the upload, '<amount> <unit>' (unit: days, hours, minutes, seconds, ...); Icarus derives an upload rate from it.",
        'x-kubernetes-validations': [
          {
            rule: `self == '' || self.matches(r'^[1-9][0-9]{0,17} (?i:${DURATION_UNITS.join('|')})$')`,
            messageExpression: `'duration must be "<amount> <unit>" with a positive whole amount and unit one of ${DURATION_UNITS.join(', ')}, e.g. "2 hours"; got "' + self + '"'`,
          },
        ],
      },
      bandwidth: {
        tsName: 'DataRate',
        type: 'object',
        required: ['value', 'unit'],
        description: 'Upload rate cap per node.',
        properties: {
          value: { type: 'integer', format: 'int64', minimum: 1 },
          unit: { type: 'string', enum: ['BPS', 'KBPS', 'MBPS', 'GBPS'] },
        },
      },
      concurrentConnections: concurrentConnections('upload'),
      dc: {
        type: 'string',
        maxLength: 253,
        description: 'Back up only this datacenter. Empty means all.',
        'x-kubernetes-validations': [
          {
            rule: String.raw`self == '' || self.matches(r'^[^,\s]+$')`,
            message: 'dc names one datacenter (a backup takes one; list several only in a CassandraRestore)',
          },
        ],
      },
      entities,
      timeout,
      metadataDirective: {
        type: 'string',
        enum: ['COPY', 'REPLACE'],
        default: 'COPY',
        description:
          'S3-like stores only: COPY or REPLACE object metadata when refreshing (some S3-compatible stores need REPLACE).',
      },
      insecure,
      createMissingBucket: {
        type: 'boolean',
        description:
          'Let each node create the bucket when its check finds none (default false). Needs the check: does nothing with skipBucketVerification.',
      },
      skipBucketVerification,
      skipRefreshing: {
        type: 'boolean',
        description: 'Do not refresh the modification time of files already in the bucket.',
      },
      retry,
    },
    ...(template
      ? {}
      : {
          'x-kubernetes-validations': [
            {
              rule: 'has(self.snapshotTag) == has(oldSelf.snapshotTag) && (!has(self.snapshotTag) || self.snapshotTag == oldSelf.snapshotTag)',
              message:
                'snapshotTag cannot be set, changed or removed after creation: create a new CassandraBackup',
            },
          ],
        }),
  };
}

function withoutTransitionRules(schema: Schema): Schema {
  return {
    ...schema,
    'x-kubernetes-validations': (schema['x-kubernetes-validations'] ?? []).filter(
      (r) => !r.rule.includes('oldSelf'),
    ),
  };
}

const backupSpec = backupSpecSchema(false);

const succeededColumn: PrinterColumn = {
  name: 'Succeeded',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Succeeded")].status',
};

/** Why it is where it is, at a glance: the Succeeded condition's reason (docs/troubleshooting.md). */
const reasonColumn: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Succeeded")].reason',
};

export const cassandraBackup: CrdDefinition = {
  kind: 'CassandraBackup',
  plural: 'cassandrabackups',
  singular: 'cassandrabackup',
  shortNames: ['cassbackup', 'cbk'],
  categories: ['cassandra'],
  description: 'A backup of a Cassandra cluster to object storage, taken node by node through Icarus.',
  spec: backupSpec,
  status: status(false),
  rootRules: [
    {
      rule: "!has(oldSelf.status) || !has(oldSelf.status.conditions) || !oldSelf.status.conditions.exists(c, c.type == 'Succeeded' && c.status == 'True') || self.spec == oldSelf.spec",
      message: 'the spec of a backup that succeeded cannot change: create a new CassandraBackup',
    },
    {
      rule: "!has(oldSelf.status) || !has(oldSelf.status.state) || oldSelf.status.state != 'RUNNING' || self.spec == oldSelf.spec",
      message:
        'the spec of a running backup cannot change: wait until it ends (a failed backup takes spec changes as a retry), or delete it and create a new CassandraBackup',
    },
  ],
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.cassandraCluster' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.progress', description: 'Percent done' },
    succeededColumn,
    reasonColumn,
    { name: 'Location', type: 'string', jsonPath: '.spec.storageLocation', priority: 1 },
    { name: 'Tag', type: 'string', jsonPath: '.status.snapshotTag', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

// ---------------------------------------------------------------------------------------------------
// CassandraRestore

const TABLE = String.raw`^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`;

const restoreSpec: Schema = {
  tsName: 'CassandraRestoreSpec',
  type: 'object',
  required: ['cassandraCluster'],
  properties: {
    cassandraCluster,
    cassandraBackup: objectName(
      'cassandraBackup',
      'CassandraBackup (same namespace) to restore. Without it, storageLocation, snapshotTag and secretName are all required.',
      true,
    ),
    storageLocation: storageLocation(false),
    snapshotTag: {
      ...snapshotTag,
      description:
        'Tag of the backup to restore; a prefix picks the newest backup whose full tag starts with it. Taken from the CassandraBackup when empty.',
    },
    secretName: objectName(
      'secretName',
      "Secret with the storage credentials; the CassandraBackup's when empty.",
      true,
    ),
    concurrentConnections: concurrentConnections('download'),
    dc: {
      type: 'string',
      maxLength: 1024,
      description:
        'Restore only these datacenters, comma separated. Cassandra truncates tables cluster-wide: see allowClusterWideTruncate.',
      'x-kubernetes-validations': [
        {
          rule: String.raw`self == '' || self.matches(r'^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$')`,
          message: "dc is a comma-separated list of datacenter names, e.g. 'dc1,dc2'",
        },
      ],
    },
    entities,
    timeout,
    noDeleteTruncates: { type: 'boolean', description: 'CLEANUP keeps the truncated SSTables.' },
    noDeleteDownloads: { type: 'boolean', description: 'CLEANUP keeps the downloaded SSTables.' },
    noDownloadData: {
      type: 'boolean',
      description:
        'Skip downloading: the files are expected from an earlier restore that kept them (noDeleteDownloads).',
    },
    import: {
      tsName: 'RestoreImport',
      type: 'object',
      description: "Options of Cassandra's SSTable import (ColumnFamilyStoreMBean#importNewSSTables).",
      properties: {
        keepLevel: { type: 'boolean' },
        noVerify: { type: 'boolean' },
        noVerifyTokens: { type: 'boolean' },
        noInvalidateCaches: { type: 'boolean' },
        quick: { type: 'boolean', description: 'Sets noVerifyTokens, noInvalidateCaches and noVerify.' },
        extendedVerify: { type: 'boolean' },
        keepRepaired: { type: 'boolean' },
      },
    },
    resolveHostIdFromTopology: {
      type: 'boolean',
      description:
        'Map each node to its backup through the topology file written with the backup (restore into another cluster).',
    },
    insecure,
    skipBucketVerification: restoreSkipBucketVerification,
    retry,
    rename: {
      type: 'object',
      maxProperties: 256,
      additionalProperties: { type: 'string', maxLength: 97 },
      description:
        "Restore a table into another: {'ks.t1': 'ks.t2'} truncates ks.t2 and fills it with ks.t1's data.",
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.matches(r'${TABLE}') && self[k].matches(r'${TABLE}'))`,
          message:
            "rename maps 'keyspace.table' to 'keyspace.table', e.g. {'shop.orders': 'shop.orders_restored'}",
        },
      ],
    },
    schemaVersion: {
      type: 'string',
      maxLength: 36,
      description:
        'Pick the backup taken with this Cassandra schema version (a UUID) among backups with the same tag.',
      'x-kubernetes-validations': [
        {
          rule: "self == '' || self.matches(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",
          messageExpression: `'schemaVersion must be a UUID such as 5d4b8c4e-1c7b-3d5a-9a8e-0f2c6f1e7b11; got "' + self + '"'`,
        },
      ],
    },
    exactSchemaVersion: {
      type: 'boolean',
      description: "Require the nodes' current schema version to equal the backup's.",
    },
    restorationStrategyType: {
      type: 'string',
      enum: ['HARDLINKS', 'IMPORT'],
      default: 'HARDLINKS',
      description:
        '(added) How SSTables are loaded into the running nodes: HARDLINKS (any Cassandra) or IMPORT (Cassandra 4+). IN_PLACE needs stopped nodes and is not offered.',
    },
    allowClusterWideTruncate: {
      type: 'boolean',
      default: false,
      description:
        '(added) With dc set, TRUNCATE still empties the restored tables in every datacenter. The restore refuses to run such a plan unless this is true.',
    },
  },
  'x-kubernetes-validations': [
    {
      rule: "(has(self.cassandraBackup) && self.cassandraBackup != '') || (has(self.storageLocation) && self.storageLocation != '' && has(self.snapshotTag) && self.snapshotTag != '' && has(self.secretName) && self.secretName != '')",
      message:
        'set spec.cassandraBackup, or all three of spec.storageLocation, spec.snapshotTag and spec.secretName to restore without a CassandraBackup',
    },
  ],
};

/**
 * Fields that choose what is restored where, with the value that stands for "unset": frozen once the
 * restore has started touching nodes (status.startTime), because a change would mix two restores.
 */
const RESTORE_FROZEN_ONCE_STARTED: Record<string, string> = {
  cassandraBackup: "''",
  storageLocation: "''",
  snapshotTag: "''",
  schemaVersion: "''",
  exactSchemaVersion: 'false',
  dc: "''",
  entities: "''",
  rename: '{}',
  restorationStrategyType: "''",
  allowClusterWideTruncate: 'false',
  resolveHostIdFromTopology: 'false',
};

/**
 * `has(x) ? x : unset` on both sides: the API server's cost estimator loses the declared maxLength
 * through optional selection (`self.spec.?dc`) and then rejects the rule as too expensive.
 */
const unchanged = (field: string, unset: string) =>
  `(has(self.spec.${field}) ? self.spec.${field} : ${unset}) == (has(oldSelf.spec.${field}) ? oldSelf.spec.${field} : ${unset})`;

export const cassandraRestore: CrdDefinition = {
  kind: 'CassandraRestore',
  plural: 'cassandrarestores',
  singular: 'cassandrarestore',
  shortNames: ['cassrestore', 'crs'],
  categories: ['cassandra'],
  description:
    'A restore of a Cassandra backup into a running cluster, phase by phase on every node through Icarus.',
  spec: restoreSpec,
  status: status(true),
  rootRules: [
    {
      rule:
        '!has(oldSelf.status) || !has(oldSelf.status.startTime) || (' +
        Object.entries(RESTORE_FROZEN_ONCE_STARTED)
          .map(([field, unset]) => unchanged(field, unset))
          .join(' && ') +
        ')',
      message: `once a restore has started, these fields cannot change: ${Object.keys(RESTORE_FROZEN_ONCE_STARTED).join(', ')}; create a new CassandraRestore`,
    },
  ],
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.cassandraCluster' },
    { name: 'Backup', type: 'string', jsonPath: '.spec.cassandraBackup' },
    // The tag restored, resolved from the backup when the restore names a CassandraBackup.
    { name: 'Tag', type: 'string', jsonPath: '.status.snapshotTag' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.progress', description: 'Percent done' },
    succeededColumn,
    reasonColumn,
    { name: 'Location', type: 'string', jsonPath: '.status.source.storageLocation', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

// ---------------------------------------------------------------------------------------------------
// CassandraBackupSchedule

/** Durations as people write them for schedules: whole days, hours, minutes, seconds ('7d', '1d12h', '90m'). */
const SCHEDULE_DURATION = '^([0-9]+[dhms])+$';

function scheduleDuration(field: string, description: string, min?: string): Schema {
  return {
    type: 'string',
    maxLength: 32,
    description: `${description} Written as whole days, hours, minutes and seconds, e.g. '7d', '1d12h', '90m'.`,
    'x-kubernetes-validations': [
      {
        rule: `self.matches(r'${SCHEDULE_DURATION}')`,
        messageExpression: `'${field} must be whole days, hours, minutes and seconds such as 7d, 1d12h or 90m; got "' + self + '"'`,
      },
      ...(min
        ? [
            {
              rule: `!self.matches(r'^(0+[dhms])+$')`,
              message: `${field} must be at least ${min}`,
            },
          ]
        : []),
    ],
  };
}

/** Backups are named <schedule>-<yyyymmdd>-<hhmmss>: 16 characters after the schedule's name. */
export const SCHEDULE_NAME_MAX = 47;

const scheduleSpec: Schema = {
  tsName: 'CassandraBackupScheduleSpec',
  type: 'object',
  required: ['schedules', 'backupTemplate'],
  properties: {
    schedules: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      description:
        "Cron expressions: 'minute hour day-of-month month day-of-week' (e.g. '0 2 * * *'), also '@daily', '@hourly' or '@every 6h'. A backup runs at each time any of them gives.",
      items: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        'x-kubernetes-validations': [
          {
            rule: String.raw`self.matches(r'^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every \S+)$') || self.matches(r'^\s*\S+(\s+\S+){4,6}\s*$')`,
            messageExpression: `'a schedule is a cron expression of 5 fields (minute hour day-of-month month day-of-week), or @daily, @hourly, @every 6h ...; got "' + self + '"'`,
          },
        ],
      },
    },
    timeZone: {
      type: 'string',
      maxLength: 64,
      default: 'UTC',
      description:
        "IANA time zone the cron expressions are read in, e.g. 'Europe/Paris' (daylight saving included).",
      'x-kubernetes-validations': [
        {
          rule: String.raw`self.matches(r'^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$')`,
          messageExpression: `'timeZone must be an IANA time zone name such as UTC or Europe/Paris; got "' + self + '"'`,
        },
      ],
    },
    suspend: {
      type: 'boolean',
      default: false,
      description: 'Pause the schedule: no new backups start; running ones go on. False resumes it.',
    },
    concurrencyPolicy: {
      type: 'string',
      enum: ['Forbid', 'Allow', 'Replace'],
      default: 'Forbid',
      description:
        "When a run is due while the previous one's backup still runs: Forbid skips the new run, Allow runs both, Replace cancels the running backup and starts the new one.",
    },
    catchupWindow: {
      ...scheduleDuration(
        'catchupWindow',
        'Runs missed while the operator or Temporal was down are made up when they come back, if they were due less than this long ago.',
        '10s',
      ),
      default: '1h',
    },
    backupTemplate: {
      tsName: 'BackupTemplate',
      type: 'object',
      required: ['spec'],
      description:
        'The CassandraBackup each run creates. Its tag is snapshotTag (or the schedule name) followed by the run time.',
      properties: {
        metadata: {
          tsName: 'TemplateMetadata',
          type: 'object',
          description: 'Labels and annotations given to every backup of this schedule.',
          properties: {
            labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        spec: backupSpecSchema(true),
      },
    },
    retention: {
      tsName: 'RetentionPolicy',
      type: 'object',
      description:
        "Which of this schedule's backups are kept. After each successful run, the others are removed from storage (Icarus remove-backup) and then deleted. The newest successful backup and any backup a CassandraRestore still uses are always kept.",
      properties: {
        keepLast: {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          description: 'Keep the newest N successful backups.',
        },
        maxAge: scheduleDuration('maxAge', 'Remove backups older than this.', '1s'),
        dry: {
          type: 'boolean',
          default: false,
          description:
            'Only report what would be removed (status.retention.wouldRemove and an Event); remove nothing.',
        },
      },
      'x-kubernetes-validations': [
        {
          rule: 'has(self.keepLast) || has(self.maxAge)',
          message: 'retention needs keepLast, maxAge or both (leave retention out to keep every backup)',
        },
      ],
    },
  },
};

const scheduleStatus: Schema = {
  tsName: 'CassandraBackupScheduleStatus',
  type: 'object',
  properties: {
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The metadata.generation the Temporal schedule was last made from.',
    },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      description:
        'Ready (the Temporal schedule exists and matches the spec) and Retention (how the last retention went).',
    },
    scheduleId: { type: 'string', description: 'Id of the Temporal Schedule behind this resource.' },
    scheduleUrl: {
      type: 'string',
      description: 'Link to that schedule in the Temporal Web UI, when configured.',
    },
    lastScheduleTime: time('When the last run was due (its backup is named after it).'),
    lastSuccessfulTime: time('When the last run whose backup succeeded was due.'),
    nextScheduleTime: time('When the next run is due (none while suspended).'),
    lastBackup: { type: 'string', description: 'The CassandraBackup of the last run.' },
    lastResult: {
      type: 'string',
      description:
        "How the last run's backup ended: Running, Succeeded, Failed, Cancelled (replaced or deleted).",
    },
    active: {
      type: 'array',
      items: { type: 'string' },
      description: "This schedule's backups that are still running.",
    },
    retention: {
      tsName: 'RetentionStatus',
      type: 'object',
      description: 'The last retention pass.',
      properties: {
        lastRunTime: time('When it ran.'),
        kept: { type: 'integer', minimum: 0, description: 'Backups kept.' },
        removed: {
          type: 'array',
          items: { type: 'string' },
          description: 'Backups it removed from storage and deleted.',
        },
        wouldRemove: {
          type: 'array',
          items: { type: 'string' },
          description: 'With dry: the backups it would have removed.',
        },
        protected: {
          type: 'array',
          items: { type: 'string' },
          description:
            "Backups outside the policy kept because a CassandraRestore uses them ('backup (restore)').",
        },
      },
    },
  },
};

export const cassandraBackupSchedule: CrdDefinition = {
  kind: 'CassandraBackupSchedule',
  plural: 'cassandrabackupschedules',
  singular: 'cassandrabackupschedule',
  shortNames: ['cassbackupschedule', 'cbs'],
  categories: ['cassandra'],
  description:
    'Backups on a schedule, run by a Temporal Schedule: each run creates a CassandraBackup, and retention removes old ones.',
  spec: scheduleSpec,
  status: scheduleStatus,
  rootRules: [
    {
      rule: `size(self.metadata.name) <= ${SCHEDULE_NAME_MAX}`,
      message: `the name of a CassandraBackupSchedule has at most ${SCHEDULE_NAME_MAX} characters: its backups add '-<yyyymmdd>-<hhmmss>' and must stay valid label values`,
    },
  ],
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.backupTemplate.spec.cassandraCluster' },
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedules' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Last Run', type: 'date', jsonPath: '.status.lastScheduleTime' },
    // A date column shows an age: a time to come would print as <invalid>.
    { name: 'Next Run', type: 'string', jsonPath: '.status.nextScheduleTime' },
    { name: 'Last Result', type: 'string', jsonPath: '.status.lastResult' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
    { name: 'Time Zone', type: 'string', jsonPath: '.spec.timeZone', priority: 1 },
    { name: 'Last Backup', type: 'string', jsonPath: '.status.lastBackup', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

export const definitions = [cassandraBackup, cassandraRestore, cassandraBackupSchedule];
