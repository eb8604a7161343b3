// Status and Events of a resource, as the workflow decides them. Status goes out through the one status
// writer (src/kube/status-writer.ts: its concurrency policy is there), flushed.
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import { recordEvent } from '../src/kube/events.js';
import type { ResourceEvent, StatusChange, StatusFields } from '../src/contract/status.js';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import type { ActivityDeps } from './deps.js';

/** A run's status write; `change` is typed from its kind's CRD status. */
export interface WriteStatusInput<K extends ResourceKind = ResourceKind> {
  kind: K;
  resource: ResourceKey;
  change: StatusChange<K>;
}

/**
 * Writes the change through the status writer, at once (the workflow's own writes are few and must not
 * wait): the fields as given, the conditions set on the resource's as last seen. False when the resource
 * is gone (nothing to write to).
 */
export async function writeStatus<K extends ResourceKind>(
  deps: ActivityDeps,
  input: WriteStatusInput<K>,
): Promise<boolean> {
  const { resource, change } = input;
  const written = await deps.statusWriter.flush(
    { kind: input.kind, namespace: resource.namespace, name: resource.name, uid: resource.uid },
    {
      fields: change.fields,
      ...(change.conditions?.length
        ? { conditions: { changes: change.conditions, generation: change.generation } }
        : {}),
    },
  );
  if (written.gone) return false;
  const fields: StatusFields<ResourceKind> = change.fields;
  deps.metrics.stateChanged(input.kind, written.before?.state, fields.state ?? undefined, {
    startTime: fields.startTime ?? written.before?.startTime,
    completionTime: fields.completionTime ?? undefined,
  });
  return true;
}

export interface PublishEventsInput {
  kind: ResourceKind;
  resource: ResourceKey;
  events: ResourceEvent[];
}

export async function publishEvents(deps: ActivityDeps, input: PublishEventsInput): Promise<void> {
  const object = { apiVersion: `${GROUP}/${VERSION}`, kind: input.kind, ...input.resource };
  for (const event of input.events) {
    await recordEvent(deps.core, object, event);
    deps.logger.info({ ...input.resource, reason: event.reason, type: event.type }, event.message);
  }
}
