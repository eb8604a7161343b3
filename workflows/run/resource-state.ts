// The `ResourceState` search attribute of a backup's or restore's run: the resource's state as the run
// last wrote it, so that the Temporal Web UI lists a failed run that waits for a retry as FAILED (its
// execution still Running) and a run that waits for pods as PENDING. Set only on runs the watcher started
// with it (a Temporal namespace without the attribute registered starts runs without any): upserting an
// unregistered attribute would fail every workflow task of the run.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { searchAttributeNames } from '../../src/contract/search-attributes.js';

/** From this patch on, a run keeps ResourceState in step with the state it writes. */
export const RESOURCE_STATE_PATCH = 'resource-state-search-attribute';

const resourceState = defineSearchAttributeKey(
  searchAttributeNames.resourceState,
  SearchAttributeType.KEYWORD,
);

export class ResourceStateAttribute {
  private last: string | undefined;

  /** `state` was written: the attribute follows, once per change. */
  update(state: string): void {
    if (state === this.last) return;
    const current = workflowInfo().typedSearchAttributes.get(resourceState);
    if (current === undefined) return;
    this.last = state;
    if (current === state || !patched(RESOURCE_STATE_PATCH)) return;
    upsertSearchAttributes([{ key: resourceState, value: state }]);
  }
}
