// mode Verify: a restore that only checks its backup. DOWNLOAD on every selected node, into a folder of
// this restore's own (esop checks each file's SHA-256 against the backup's manifest as it downloads it),
// then CLEANUP on every node, after a failed DOWNLOAD too (and after a cancel: verify-cancel.ts), so that
// no downloaded file stays behind, and keeping every node's truncated-* snapshots (esop's CLEANUP
// otherwise deletes all of them, other restores' too). Never TRUNCATE, never IMPORT: no table is touched.
// The status gives per node the files and bytes verified, counted from the manifests the operator reads
// itself.
import type { CassandraRestoreSpec } from '../src/kube/api/resources.js';
import type { RestorePlan } from '../src/contract/activity-io.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ResourceRun } from './resource-run.js';
import { readContents, refusedByStore } from './restore-checks.js';
import { runPhase, succeeded, type RestoreState } from './restore-phases.js';
import { selectRestoreTables } from './restore-tables.js';
import type { AttemptOutcome } from './run/outcomes.js';

/** From this patch on, a restore with spec.mode Verify verifies its backup instead of restoring it. */
export const VERIFY_PATCH = 'verify-mode';

/** esop's DOWNLOAD error when files are missing from storage or differ from the manifest's hash. */
const DOWNLOAD_FAILURE = /Unable to download files successfully: ([^;]*)/;

/**
 * The backup's files that a node's DOWNLOAD error names (manifest-relative object keys,
 * `data/<ks>/<table>-<id>/<gen>-<digest>/<file>`): esop's message is the same for an object missing
 * from storage and for one whose content changed.
 */
export function filesFailingVerification(error: string | undefined): string[] {
  const listed = DOWNLOAD_FAILURE.exec(error ?? '')?.[1] ?? '';
  return listed
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '' && !k.startsWith('('));
}

/** One attempt of a verify, after the plan: the backup's files per node, DOWNLOAD, CLEANUP. */
export async function verifyBackup(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
  nodes: NodeWork[],
): Promise<AttemptOutcome> {
  if (state.tables === undefined) {
    const refused = await chooseFiles(run, state, spec, plan);
    if (refused) return refused;
  }
  const deadline = Date.now() + spec.timeout * 3_600_000;
  const downloaded = state.done.get('DOWNLOAD') ?? new Set<string>();
  const failure =
    state.phaseOf('DOWNLOAD').state === 'COMPLETED'
      ? undefined
      : await runPhase(run, state, 'DOWNLOAD', spec, plan, nodes, deadline);
  for (const node of nodes) {
    const counted = state.filesToVerify?.get(node.hostId);
    if (counted && downloaded.has(node.pod)) {
      node.verifiedFiles = counted.files;
      node.verifiedBytes = counted.bytes;
    }
  }
  if (failure?.kind === 'failed' && failure.reason === 'Timeout') {
    return {
      ...failure,
      message: `${failure.message}. What the nodes downloaded stays in ${plan.downloadDir} until a restore's CLEANUP (the retry signal verifies again and cleans up)`,
    };
  }

  // CLEANUP on every node, each attempt, whatever DOWNLOAD did: a node that failed has files too.
  const failedErrors = new Map(
    nodes.filter((n) => !downloaded.has(n.pod)).map((n) => [n.pod, n.lastError] as const),
  );
  state.done.get('CLEANUP')?.clear();
  state.phaseOf('CLEANUP').state = 'PENDING';
  const cleanup = await runPhase(run, state, 'CLEANUP', spec, plan, nodes, deadline);
  const notCleaned = cleanup ? nodes.filter((n) => !state.done.get('CLEANUP')?.has(n.pod)) : [];
  const cleanupNote = cleanup
    ? ` CLEANUP failed on ${notCleaned.map((n) => n.pod).join(', ') || 'some nodes'}: the files they downloaded stay in ${plan.downloadDir} until a restore's CLEANUP`
    : ' The downloaded files were deleted (CLEANUP).';
  for (const [pod, error] of failedErrors) {
    const node = nodes.find((n) => n.pod === pod);
    if (node && error) node.lastError = error;
  }
  if (failure) return verificationFailed(failure, nodes, failedErrors, plan, cleanupNote);
  if (cleanup) return cleanup;

  const files = nodes.reduce((sum, n) => sum + (n.verifiedFiles ?? 0), 0);
  const bytes = nodes.reduce((sum, n) => sum + (n.verifiedBytes ?? 0), 0);
  const numbers = state.filesToVerify
    ? `${nodes.length} node(s), ${files} file(s), ${bytes} bytes verified`
    : `${nodes.length} node(s) verified (how many files and bytes is unknown: the operator could not read the manifests)`;
  const message = `Backup ${plan.source.snapshotTag} in ${plan.source.storageLocation}: ${numbers}, every file equal to the SHA-256 of the backup's manifest. No table was touched; the downloaded files were deleted`;
  return succeeded(run, state, nodes, { event: 'BackupVerified', reason: 'BackupVerified', message });
}

/**
 * What every DOWNLOAD names and what each node is to verify, from the backup's manifests: the tables
 * selected (all of the backup's when spec.entities is empty), the files and bytes of each node. The
 * manifests unreadable, esop still checks every file, and only the numbers are missing.
 */
async function chooseFiles(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
): Promise<AttemptOutcome | undefined> {
  const entities = spec.entities ?? '';
  const contents = await readContents(run, spec, plan, { countFiles: { entities } });
  const refused = refusedByStore(contents, plan);
  if (refused) return refused;
  if (!contents.known) {
    state.tables = { entities, keepTruncated: true };
    await run.report.emit({
      type: 'Warning',
      reason: 'BackupContentsUnknown',
      message: `The operator could not read the backup's manifests (${contents.why}): esop still checks every file each node downloads against its manifest, but the status cannot say how many files and bytes each node verified. Give the operator read access to the storage location to see them`,
    });
    return undefined;
  }
  const chosen = selectRestoreTables(entities, contents.tables);
  if (!chosen.ok) return { kind: 'failed', reason: chosen.reason, message: chosen.message, transient: false };
  state.tables = { entities: chosen.entities, keepTruncated: true };
  state.filesToVerify = new Map(
    (contents.nodes ?? []).map((n) => [n.hostId, { files: n.files, bytes: n.bytes }]),
  );
  const files = (contents.nodes ?? []).reduce((sum, n) => sum + n.files, 0);
  const bytes = (contents.nodes ?? []).reduce((sum, n) => sum + n.bytes, 0);
  await run.report.emit({
    type: 'Normal',
    reason: 'BackupTablesRead',
    message: `The backup holds ${contents.tables.length} table(s) (${contents.manifests} manifest(s) read); this verify checks ${files} file(s), ${bytes} bytes, of ${chosen.tables.length}: ${chosen.entities}`,
  });
  return undefined;
}

/**
 * A failed DOWNLOAD as the verify's outcome: BackupVerificationFailed when nodes named files missing
 * from storage or changed (the node, its host id and every file), else the phase's own reason (the node
 * could not verify: Icarus unreachable, other tokens ...).
 */
function verificationFailed(
  failure: AttemptOutcome,
  nodes: NodeWork[],
  failedErrors: Map<string, string | undefined>,
  plan: RestorePlan,
  cleanupNote: string,
): AttemptOutcome {
  if (failure.kind !== 'failed') return failure;
  const damaged = nodes.flatMap((n) => {
    const files = filesFailingVerification(failedErrors.get(n.pod));
    return files.length ? [{ node: n, files }] : [];
  });
  if (damaged.length === 0) return { ...failure, message: `${failure.message}.${cleanupNote}` };
  const others = [...failedErrors.keys()].filter((pod) => !damaged.some((d) => d.node.pod === pod));
  const detail = damaged
    .map(
      ({ node, files }) =>
        `${node.pod} (host id ${node.hostId}): ${files.length} file(s) missing from storage or not equal to the manifest's SHA-256: ${files.join(', ')}`,
    )
    .join('; ');
  return {
    kind: 'failed',
    reason: 'BackupVerificationFailed',
    message: `Backup ${plan.source.snapshotTag} in ${plan.source.storageLocation} failed verification on ${damaged.length} of ${nodes.length} node(s): ${detail}${others.length ? `; could not verify ${others.map((pod) => `${pod}: ${failedErrors.get(pod) ?? 'failed'}`).join('; ')}` : ''}. No table was touched.${cleanupNote} Restore from another backup, or take a new one; the retry signal verifies the failed node(s) again`,
    transient: false,
  };
}
