// CassandraBackup: its spec (also a schedule's template), rules and printer columns.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { CrdDefinition, PrinterColumn, Schema } from '../schema.js';
import {
  cassandraCluster,
  concurrentConnections,
  entities,
  insecure,
  objectName,
  retry,
  skipBucketVerification,
  snapshotTag,
  storageLocation,
  timeout,
} from './fields.js';
import { status } from './status.js';

/** spec.deletionPolicy: what deleting a backup does to its data (docs/usage.md, "Deleting"). */
export const DELETION_POLICIES = ['Retain', 'Delete'] as const;

export const DURATION_UNITS = [
  'days',
  'hours',
  'minutes',
  'seconds',
  'milliseconds',
  'microseconds',
  'nanoseconds',
];

/**
 * The CassandraBackup spec. As a schedule's template it loses the rules over time (`oldSelf`): a
 * template may change, and each backup made from it is then frozen on its own.
 */
export function backupSpecSchema(template: boolean): Schema {
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
      imported: {
        type: 'boolean',
        description:
          '(added) The backup is already in storage, found there by a CassandraBackupSync (or named by hand with snapshotTag): nothing is backed up; the operator checks that the storage location holds the tag and marks it COMPLETED, so a CassandraRestore can name it. Its data is never removed by the operator (deletionPolicy stays Retain). Set at creation only.',
      },
      deletionPolicy: {
        type: 'string',
        enum: [...DELETION_POLICIES],
        default: 'Retain',
        description:
          'What deleting this CassandraBackup does to its data in storage. Retain (default): the data stays. Delete: the operator removes the backup from storage (Icarus remove-backup) before the resource goes; while a CassandraRestore that has not succeeded uses it, the removal waits (condition DataRemoved says why). Set Retain on a backup held in deletion to let it go and keep its data. The only field of a succeeded backup that may change.',
      },
    },
    ...(template
      ? {
          'x-kubernetes-validations': [
            {
              rule: '!has(self.imported) || !self.imported',
              message:
                "a schedule's backups are taken, not imported: remove imported from backupTemplate.spec",
            },
          ],
        }
      : {
          'x-kubernetes-validations': [
            {
              rule: 'has(self.imported) == has(oldSelf.imported) && (!has(self.imported) || self.imported == oldSelf.imported)',
              message:
                'imported cannot be set, changed or removed after creation: create a new CassandraBackup',
            },
            {
              rule: "!has(self.imported) || !self.imported || !has(self.deletionPolicy) || self.deletionPolicy == 'Retain'",
              message:
                "an imported backup keeps its data: the operator never removes it from storage (deletionPolicy Retain); remove it with the storage provider's own tools if you must",
            },
            {
              rule: "!has(self.imported) || !self.imported || (has(self.snapshotTag) && self.snapshotTag != '')",
              message:
                'an imported backup names the backup in storage: set snapshotTag (its full name <tag>-<schemaVersion>-<epochMillis>, or a tag whose newest backup is meant)',
            },
            {
              rule: 'has(self.snapshotTag) == has(oldSelf.snapshotTag) && (!has(self.snapshotTag) || self.snapshotTag == oldSelf.snapshotTag)',
              message:
                'snapshotTag cannot be set, changed or removed after creation: create a new CassandraBackup',
            },
          ],
        }),
  };
}

export function withoutTransitionRules(schema: Schema): Schema {
  return {
    ...schema,
    'x-kubernetes-validations': (schema['x-kubernetes-validations'] ?? []).filter(
      (r) => !r.rule.includes('oldSelf'),
    ),
  };
}

export const backupSpec = backupSpecSchema(false);

export const succeededColumn: PrinterColumn = {
  name: 'Succeeded',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Succeeded")].status',
};

/** Why it is where it is, at a glance: the Succeeded condition's reason (docs/troubleshooting.md). */
export const reasonColumn: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Succeeded")].reason',
};

/**
 * The spec is the same as before, but for deletionPolicy: a field-by-field comparison (CEL cannot drop a
 * field from an object), each field set on both sides with the same value or unset on both.
 */
const specSameButDeletionPolicy = Object.keys(backupSpec.properties ?? {})
  .filter((field) => field !== 'deletionPolicy')
  .map(
    (f) =>
      `(has(self.spec.${f}) == has(oldSelf.spec.${f}) && (!has(self.spec.${f}) || self.spec.${f} == oldSelf.spec.${f}))`,
  )
  .join(' && ');

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
      rule: `!has(oldSelf.status) || !has(oldSelf.status.conditions) || !oldSelf.status.conditions.exists(c, c.type == 'Succeeded' && c.status == 'True') || self.spec == oldSelf.spec || (${specSameButDeletionPolicy})`,
      message:
        'the spec of a backup that succeeded cannot change (only its deletionPolicy can): create a new CassandraBackup',
    },
    {
      rule: "!has(oldSelf.status) || !has(oldSelf.status.state) || oldSelf.status.state != 'RUNNING' || self.spec == oldSelf.spec",
      message:
        'the spec of a running backup cannot change, deletionPolicy included: wait until it ends (a failed backup takes spec changes as a retry), or delete it and create a new CassandraBackup',
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
