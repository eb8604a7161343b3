// CassandraBackupSchedule (added): its spec, status, rules and printer columns.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { CrdDefinition, Schema } from '../schema.js';
import { condition, time } from './status.js';
import { backupSpecSchema } from './backup.js';

/** Durations as people write them for schedules: whole days, hours, minutes, seconds ('7d', '1d12h', '90m'). */
export const SCHEDULE_DURATION = '^([0-9]+[dhms])+$';

export function scheduleDuration(field: string, description: string, min?: string): Schema {
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

export const scheduleSpec: Schema = {
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
    verifyBackups: {
      type: 'boolean',
      description:
        "(added) Verify each backup of this schedule that succeeds: the run creates the CassandraRestore <backup>-verify with mode Verify, owned by the backup (deleted with it), which downloads every node's files of the backup, checks them against the manifest's SHA-256 and deletes them again, touching no table.",
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

export const scheduleStatus: Schema = {
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
