// Kubernetes Events on our resources (what `kubectl describe` and `kubectl get events` show): Normal for
// progress (started, node finished, succeeded), Warning for problems (failed, a PlanError's reason).
import type { CoreV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { isReasonName, type Reason } from '../contract/reasons.js';

export const EVENT_COMPONENT = 'cassandra-backup-operator';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface EventRecord {
  type: 'Normal' | 'Warning';
  /** One of src/contract/reasons.ts, e.g. BackupStarted, SecretNotFound (one CamelCase word). */
  reason: Reason;
  message: string;
}

export async function recordEvent(
  core: CoreV1Api,
  object: InvolvedObject,
  event: EventRecord,
  now = new Date(),
): Promise<void> {
  if (!isReasonName(event.reason))
    throw new Error(`event reason must be one CamelCase word: ${event.reason}`);
  await core.createNamespacedEvent({
    namespace: object.namespace,
    body: {
      metadata: { name: `${object.name}.${randomBytes(8).toString('hex')}`, namespace: object.namespace },
      involvedObject: { ...object },
      type: event.type,
      reason: event.reason,
      // The API caps an Event's message at 1 KiB.
      message: event.message.length > 1024 ? `${event.message.slice(0, 1021)}...` : event.message,
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: process.env.HOSTNAME ?? EVENT_COMPONENT,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}
