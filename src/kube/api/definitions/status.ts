// The status of a backup and of a restore: conditions, errors, per-node work, a restore's phases.
// Part of the API definitions (../definitions.ts, the single source `npm run gen:api` renders).
import type { Schema } from '../schema.js';

export const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

export const condition: Schema = {
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

export const statusError: Schema = {
  tsName: 'StatusError',
  type: 'object',
  description: 'An error reported by a node (IBM field).',
  properties: {
    source: { type: 'string', description: 'The node (pod) where it happened.' },
    message: { type: 'string' },
  },
};

export const nodeStatus = (restore: boolean): Schema => ({
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
      ? {
          phase: { type: 'string', description: 'Restore phase this node is in or finished last.' },
          source: {
            tsName: 'BackupNodeRef',
            type: 'object',
            description:
              "The backup's node whose files this node restores, when it is not this node itself: the restore goes into another or a rebuilt cluster, and each pod takes the backup node of its datacenter with the same ordinal (the number ending the pod's name and that node's host name in the backup's topology file).",
            properties: {
              cluster: { type: 'string', description: "The backup's cluster folder." },
              dc: { type: 'string' },
              hostId: { type: 'string', description: "The backup node's host id: its folder." },
            },
          },
          verifiedFiles: {
            type: 'integer',
            format: 'int64',
            minimum: 0,
            description:
              "mode Verify: files of this node's backup that esop downloaded and found equal to the manifest's SHA-256 (the manifest's entries outside the system keyspaces, within spec.entities).",
          },
          verifiedBytes: {
            type: 'integer',
            format: 'int64',
            minimum: 0,
            description: 'mode Verify: the size of those files, in bytes, as the manifest gives it.',
          },
        }
      : {
          initialToken: {
            type: 'string',
            description:
              "This node's tokens as the backup recorded them, ready for cassandra.yaml's initial_token (comma separated; num_tokens is their count): what a node of a rebuilt cluster must start with to restore this node's files (imported backups).",
          },
        }),
    startTime: time('When work started on this node.'),
    completionTime: time('When work ended on this node.'),
    lastError: { type: 'string', description: 'Last error seen on this node.' },
  },
});

export function status(restore: boolean): Schema {
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
