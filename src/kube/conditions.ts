// Kubernetes condition bookkeeping (metav1.Condition semantics), pure: the status writer and the
// workflows' status plans use it. lastTransitionTime moves only when status flips; reason, message and
// observedGeneration always take the new values.
import { isReasonName, type Reason } from '../contract/reasons.js';
import type { Condition } from './api/resources.js';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  /** One of src/contract/reasons.ts: one CamelCase word a program can act on. */
  reason: Reason;
  message: string;
}

export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  at: { generation: number; now: Date },
): Condition[] {
  if (!isReasonName(update.reason))
    throw new Error(`condition reason must be one CamelCase word: ${update.reason}`);
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const previous = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...update,
    observedGeneration: at.generation,
    lastTransitionTime:
      previous && previous.status === update.status ? previous.lastTransitionTime : at.now.toISOString(),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
