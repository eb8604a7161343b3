// The signals and the query of the backup and restore workflows: what their callers (the watcher,
// `temporal workflow signal`, tests) send them and ask them. Defined with @temporalio/workflow, so they
// live on the workflow side; the data they carry is in src/contract.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunProgress } from '../src/contract/runs.js';

/** Sent by the watcher when metadata.generation moved: a failed run is then retried with the new spec. */
export const specChangedSignal = defineSignal<[{ generation: number }]>('specChanged');
/**
 * Retry a failed backup or restore with its current spec (`temporal workflow signal --name retry`; the
 * watcher sends it for the retry annotation). `requestedBy` names who asked, for the Event.
 */
export const retrySignal = defineSignal<[{ requestedBy?: string }?]>('retry');
/**
 * Stop: asks Icarus to cancel what runs, waits for it, then ends (the watcher sends it on deletion and
 * for the cancel annotation). `requestedBy` names who asked, for the Event.
 */
export const cancelSignal = defineSignal<[{ reason?: string; requestedBy?: string }?]>('cancel');

/** The current state, as the workflow knows it (live per-node progress is in the resource's status). */
export const progressQuery = defineQuery<RunProgress>('progress');
