// Reusable field schemas of both kinds and of a schedule's template: storage location, names, tag, entities, time-outs, retry.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { Rule, Schema } from '../schema.js';

export const PROTOCOLS = ['s3', 'gcp', 'azure', 'oracle', 'minio', 'ceph', 'file'];

/**
 * Rules of a storage location, the forms Icarus parses (esop's StorageLocation, and
 * src/icarus/storage-location.ts): `protocol://bucket`, `protocol://bucket/cluster/dc/node` (the last three
 * parts are replaced per node), or `file:///absolute/folder/bucket`. A path of one or two parts after the
 * bucket (the IBM docs' `s3://bucket-name/backup/location`) never worked with Icarus: refused here.
 */
export const storageLocationRules: Rule[] = [
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

export function storageLocation(required: boolean): Schema {
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

export const DNS_SUBDOMAIN = String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;

export function objectName(what: string, description: string, allowEmpty: boolean): Schema {
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

export const cassandraCluster: Schema = {
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

export const snapshotTag: Schema = {
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

export const IDENT = '[A-Za-z0-9_]+';
export const entities: Schema = {
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

export const timeout: Schema = {
  type: 'integer',
  format: 'int64',
  minimum: 1,
  default: 5,
  description: 'Hours after which the operation is failed if not finished.',
};

export const concurrentConnections = (verb: string): Schema => ({
  type: 'integer',
  format: 'int64',
  minimum: 1,
  default: 10,
  description: `Number of threads used to ${verb} files on each node.`,
});

export const retry: Schema = {
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

export const insecure: Schema = {
  type: 'boolean',
  description: 'S3-like stores only: talk HTTP instead of HTTPS.',
};
export const skipBucketVerification: Schema = {
  type: 'boolean',
  description:
    'Do not check that the bucket exists before the upload (default false: every node checks it, and a missing bucket fails the backup with BucketNotFound). For credentials that may not check it (S3 with Icarus 3.x lists buckets: s3:ListAllMyBuckets). Nothing is then created: a missing bucket fails the uploads.',
};
export const restoreSkipBucketVerification: Schema = {
  type: 'boolean',
  description:
    'Sent to Icarus as is (default false). Icarus checks the bucket before every restore phase whatever it says: a missing bucket fails the restore with BucketNotFound. A restore never creates its bucket.',
};
