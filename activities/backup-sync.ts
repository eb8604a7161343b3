// One listing of a CassandraBackupSync's location: its backups read from storage alone (the nodes'
// manifests and the topology files), each complete one made restorable by name as an imported
// CassandraBackup (src/kube/imported-backups.ts), and the sync's status (Synced, the counts, the newest
// backups). Idempotent: a listing repeated after a crash finds the backups it created. Nothing in
// storage is ever written. A problem (Secret, credentials, bucket, an unreachable store) is the Synced
// condition's reason, with an Event when it is new; the next listing tries again.
import { Context } from '@temporalio/activity';
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import {
  cassandraBackupSyncSpecSchema,
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSync,
  type SyncedBackup,
} from '../src/kube/api/resources.js';
import { SYNC_STATUS_BACKUPS_MAX } from '../src/kube/api/definitions/sync.js';
import { findCondition } from '../src/kube/conditions.js';
import { recordEvent, type EventRecord } from '../src/kube/events.js';
import { catalogKey, importedBackupBody, planImports, SYNC_LABEL } from './import-plan.js';
import { PlanError } from '../src/kube/plan-error.js';
import { parseScheduleDuration } from '../src/schedule/duration.js';
import type { CatalogBackup } from '../src/storage/backup-catalog.js';
import { parseLocation } from '../src/storage/location.js';
import { errorCode } from '../src/contract/error-code.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { ConditionChange, StatusFields } from '../src/contract/status.js';
import type { ActivityDeps } from './deps.js';
import { catalogRoot, readLocationCatalog } from './location-catalog.js';
import { readResource } from './resource.js';

export interface SyncLocationInput {
  resource: ResourceKey;
  workflowId: string;
  workflowUrl?: string;
}

export type SyncLocationResult =
  { gone: true } | { gone: false; synced: boolean; imported: string[]; nextSyncMs: number };

const DEFAULT_INTERVAL_MS = 3_600_000;

export async function syncLocation(
  deps: ActivityDeps,
  input: SyncLocationInput,
): Promise<SyncLocationResult> {
  const { resource } = input;
  const sync = await readResource(deps, 'CassandraBackupSync', resource);
  if (!sync || sync.metadata.deletionTimestamp) return { gone: true };
  const generation = sync.metadata.generation ?? 1;
  const parsed = cassandraBackupSyncSpecSchema.safeParse(sync.spec);
  if (!parsed.success) {
    const message = `spec is invalid: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`;
    return refused(deps, input, sync, new PlanError('InvalidSpec', message), DEFAULT_INTERVAL_MS);
  }
  const spec = parsed.data;
  const nextSyncMs = parseScheduleDuration(spec.interval) || DEFAULT_INTERVAL_MS;
  let backups: CatalogBackup[];
  let unreadable: string[];
  try {
    const catalog = await readLocationCatalog(deps, resource.namespace, spec, {
      ...(spec.clusterName ? { cluster: spec.clusterName } : {}),
      // A long listing heartbeats: a worker killed half-way is noticed after the heartbeat time-out.
      progress: () => Context.current().heartbeat(),
    });
    backups = catalog.backups;
    unreadable = catalog.unreadable;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    return refused(deps, input, sync, err, nextSyncMs);
  }

  const live: CassandraBackupSync = { ...sync, spec };
  const existing = await listBackups(deps, resource.namespace);
  const root = rootOf(spec.storageLocation);
  const plan = planImports(backups, existing, (location) => rootOf(location) === root);
  const imported: string[] = [];
  for (const { name, backup } of plan.create) {
    if (await createImported(deps, live, name, backup)) imported.push(name);
  }
  const importedCount = existing.filter((b) => b.metadata.labels?.[SYNC_LABEL] === sync.metadata.name).length;
  const listed: SyncedBackup[] = backups.slice(0, SYNC_STATUS_BACKUPS_MAX).map((b) => {
    const holder = plan.names.get(catalogKey(b));
    return {
      ...(holder ? { backup: holder } : {}),
      snapshotTag: b.name,
      schemaVersion: b.schemaVersion,
      time: b.time,
      cluster: b.cluster,
      datacenters: b.datacenters.join(','),
      nodes: b.nodes.length,
      ...(b.expectedNodes !== undefined ? { expectedNodes: b.expectedNodes } : {}),
      ...(b.complete !== undefined ? { complete: b.complete } : {}),
      files: b.nodes.reduce((n, x) => n + x.files, 0),
      bytes: b.nodes.reduce((n, x) => n + x.bytes, 0),
    };
  });
  const incomplete = backups.filter((b) => b.complete === false).length;
  const message = `${spec.storageLocation} holds ${backups.length} backup(s)${incomplete ? ` (${incomplete} incomplete, not imported)` : ''}; ${imported.length ? `imported ${imported.join(', ')}` : 'nothing new to import'}`;
  await writeSyncStatus(deps, input, sync, {
    fields: {
      lastSyncTime: new Date().toISOString(),
      backupCount: backups.length,
      importedCount: importedCount + imported.length,
      backups: listed,
      unreadable: unreadable.slice(0, 20),
    },
    condition: { type: 'Synced', status: 'True', reason: 'Synced', message },
    generation,
  });
  if (imported.length) {
    await event(deps, sync, {
      type: 'Normal',
      reason: 'BackupImported',
      message: `Imported ${imported.length} backup(s) from ${spec.storageLocation}: ${imported.join(', ')}`,
    });
  }
  deps.logger.info({ ...resource, backups: backups.length, imported: imported.length }, message);
  return { gone: false, synced: true, imported, nextSyncMs };
}

/** The location's protocol, bucket and the root its cluster folders are in: two locations the same place. */
function rootOf(storageLocation: string): string {
  try {
    const l = parseLocation(storageLocation);
    return `${l.protocol}://${l.bucket}/${catalogRoot(l)}`;
  } catch {
    return storageLocation;
  }
}

async function refused(
  deps: ActivityDeps,
  input: SyncLocationInput,
  sync: CassandraBackupSync,
  err: PlanError,
  nextSyncMs: number,
): Promise<SyncLocationResult> {
  const generation = sync.metadata.generation ?? 1;
  const previous = findCondition(sync.status?.conditions, 'Synced');
  const repeated =
    previous?.status === 'False' && previous.reason === err.reason && previous.message === err.message;
  await writeSyncStatus(deps, input, sync, {
    fields: {},
    condition: { type: 'Synced', status: 'False', reason: err.reason, message: err.message },
    generation,
  });
  if (!repeated) await event(deps, sync, { type: 'Warning', reason: err.reason, message: err.message });
  deps.logger.warn({ ...input.resource, reason: err.reason }, err.message);
  return { gone: false, synced: false, imported: [], nextSyncMs };
}

async function writeSyncStatus(
  deps: ActivityDeps,
  input: SyncLocationInput,
  sync: CassandraBackupSync,
  change: {
    fields: StatusFields<'CassandraBackupSync'>;
    condition: ConditionChange;
    generation: number;
  },
): Promise<void> {
  const { resource } = input;
  await deps.statusWriter.flush(
    { kind: 'CassandraBackupSync', ...resource },
    {
      fields: {
        ...change.fields,
        observedGeneration: change.generation,
        workflowId: input.workflowId,
        ...(input.workflowUrl ? { workflowUrl: input.workflowUrl } : {}),
      },
      conditions: { changes: [change.condition], generation: change.generation },
    },
    sync,
  );
}

/** Creates the imported backup; false when its name was taken meanwhile by another (the next sync picks another name). */
async function createImported(
  deps: ActivityDeps,
  sync: CassandraBackupSync,
  name: string,
  backup: CatalogBackup,
): Promise<boolean> {
  const namespace = sync.metadata.namespace ?? '';
  try {
    await deps.custom.createNamespacedCustomObject({
      ...resourceNames.CassandraBackup,
      namespace,
      body: importedBackupBody(sync, name, backup),
    });
    return true;
  } catch (err) {
    if (errorCode(err) !== 409) throw err;
    deps.logger.info({ namespace, name }, 'A CassandraBackup of that name appeared meanwhile');
    return false;
  }
}

async function listBackups(deps: ActivityDeps, namespace: string): Promise<CassandraBackup[]> {
  const list = (await deps.custom.listNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
  })) as { items: CassandraBackup[] };
  return list.items;
}

async function event(deps: ActivityDeps, sync: CassandraBackupSync, record: EventRecord): Promise<void> {
  const { namespace = '', name = '', uid = '' } = sync.metadata;
  await recordEvent(
    deps.core,
    { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackupSync', namespace, name, uid },
    record,
  );
}
