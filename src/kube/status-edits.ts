// A change of a resource's status (StatusUpdate) as the status writer (./status-writer.ts) holds it until
// its write: the pending edits in the order they were made, runs of field values merged (the last value
// of a field wins), and the one JSON merge patch they make against the object as last seen (conditions
// set on the object's, derived fields from the status with the edits before applied).
import type { Condition } from './api/resources.js';
import { setCondition, type ConditionUpdate } from './conditions.js';
import type { StatusFields, StatusKind } from '../contract/status.js';
import type { Seen } from './status-api.js';

/** One change of a resource's status; each part is optional. */
export interface StatusUpdate<K extends StatusKind = StatusKind> {
  /** Fields set to these values (null clears one). */
  fields?: StatusFields<K>;
  /** Conditions set on the object's, with the generation they observe. */
  conditions?: { changes: readonly ConditionUpdate[]; generation: number };
  /** Fields derived from the object as last seen: run again on a fresher object after a conflict. */
  derive?: (seen: Seen<K>) => StatusFields<K> | Promise<StatusFields<K>>;
}

export type AnyFields = Record<string, unknown>;

/** A pending part of a change, in the order it was made. */
export type Edit =
  | { fields: AnyFields }
  | { conditions: readonly ConditionUpdate[]; generation: number }
  | { derive: (seen: Seen) => AnyFields | Promise<AnyFields> };

/** The parts of an update, in the order they apply (empty parts left out). */
export function editsOf(update: StatusUpdate): Edit[] {
  const edits: Edit[] = [];
  if (update.fields && Object.keys(update.fields).length > 0) edits.push({ fields: { ...update.fields } });
  if (update.conditions?.changes.length)
    edits.push({ conditions: update.conditions.changes, generation: update.conditions.generation });
  if (update.derive) edits.push({ derive: update.derive });
  return edits;
}

/** `later` after `earlier`, a run of field values made one (the last value of a field wins). */
export function merged(earlier: Edit[], later: Edit[]): Edit[] {
  const out = [...earlier];
  for (const edit of later) {
    const last = out.at(-1);
    if (last && 'fields' in last && 'fields' in edit)
      out[out.length - 1] = { fields: { ...last.fields, ...edit.fields } };
    else out.push(edit);
  }
  return out;
}

/**
 * The merge patch of `edits` made against `seen` (pure but for what a derive does): field values as
 * given, conditions set on the object's, derived fields from the status with the edits before applied.
 */
export async function patchOf(edits: readonly Edit[], seen: Seen | undefined, now: Date): Promise<AnyFields> {
  const view: AnyFields = { ...(seen?.status ?? {}) };
  const patch: AnyFields = {};
  const set = (fields: AnyFields) => {
    for (const [field, value] of Object.entries(fields)) {
      patch[field] = value;
      if (value === null) delete view[field];
      else view[field] = value;
    }
  };
  for (const edit of edits) {
    if ('fields' in edit) set(edit.fields);
    else if ('conditions' in edit) {
      let conditions = view.conditions as Condition[] | undefined;
      for (const change of edit.conditions) {
        conditions = setCondition(conditions, change, { generation: edit.generation, now });
      }
      set({ conditions });
    } else {
      set(await edit.derive({ metadata: seen?.metadata ?? {}, status: view }));
    }
  }
  return patch;
}
