// Asks Temporal to cancel the calling activity's own workflow run: how a backup or restore cancelled by
// the cancel signal (the annotation) or by its resource's deletion closes as Canceled in Temporal, once it
// has stopped its Icarus operations and written CANCELLED (workflows/run/cancellation.ts). A workflow
// cannot close as Canceled unless Temporal was asked to cancel it. Asking twice (a retried activity) is
// harmless: the run is already being cancelled.
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function cancelOwnRun(): Promise<void> {
  const context = Context.current();
  const run = context.info.workflowExecution;
  if (!run) throw ApplicationFailure.nonRetryable('not called by a workflow run', 'InvalidCall');
  await context.client.workflow.getHandle(run.workflowId, run.runId).cancel();
}
