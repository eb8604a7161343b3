// Status and Events of a resource, as the workflow decides them. Conditions are applied to the live
// object's conditions (lastTransitionTime moves only when a status flips), then everything goes out
// through the throttled status writer, flushed: the workflow's own writes are few and must not wait.
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import type { Condition } from '../src/kube/api/resources.js';
import { setCondition } from '../src/kube/conditions.js';
import { recordEvent } from '../src/kube/events.js';
import type { ResourceEvent, StatusChange, StatusFields } from '../src/contract/status.js';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import type { ActivityDeps } from './deps.js';
import { readResource } from './resource.js';

/** A run's status write; `change` is typed from its kind's CRD status. */
export interface WriteStatusInput<K extends ResourceKind = ResourceKind> {
  kind: K;
  resource: ResourceKey;
  change: StatusChange<K>;
}

/** Writes the change; false when the resource is gone (nothing to write to). */
export async function writeStatus<K extends ResourceKind>(
  deps: ActivityDeps,
  input: WriteStatusInput<K>,
): Promise<boolean> {
  const { resource, change } = input;
  const live = await readResource(deps, input.kind, resource);
  if (!live) return false;
  let conditions: Condition[] | undefined = live.status?.conditions;
  const now = new Date();
  for (const c of change.conditions ?? []) {
    conditions = setCondition(conditions, c, { generation: change.generation, now });
  }
  await deps.statusWriter.flush(
    { kind: input.kind, namespace: resource.namespace, name: resource.name },
    { ...change.fields, ...(change.conditions?.length ? { conditions } : {}) },
  );
  const fields: StatusFields<ResourceKind> = change.fields;
  deps.metrics.stateChanged(input.kind, live.status?.state, fields.state ?? undefined, {
    startTime: fields.startTime ?? live.status?.startTime,
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
