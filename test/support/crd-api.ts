// The CassandraBackup, CassandraRestore and CassandraBackupSchedule API on the real kube-apiserver, as
// the CRD tests (test/api/crd-*.test.ts) use it: manifests in a namespace of their own, created (or only
// dry-run), merge-patched, and each refusal run through the operator's own checks of the CEL rules
// (test/support/cel-agreement.ts), which must find the same failures with the same messages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { RuleKind } from '../../src/kube/api/generated-rules.js';
import { disagreement, mergePatch, refusal } from './cel-agreement.js';
import { createNamespace, kubeConfig, uniqueName } from './stack-env.js';

export const group = 'db.ibm.com';
export const version = 'v1alpha1';
export type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
export type Kind = 'CassandraBackup' | 'CassandraRestore' | 'CassandraBackupSchedule' | 'CassandraBackupSync';
/** [what, kind, spec, fragment of the message the user sees] */
export type Invalid = [string, Kind, Record<string, unknown>, string];

// Valid specs, for tests to start from.
export const backup = { cassandraCluster: 'c1', storageLocation: 's3://bucket', secretName: 'creds' };
export const restore = { cassandraCluster: 'c1', cassandraBackup: 'b1' };
export const manual = {
  cassandraCluster: 'c1',
  storageLocation: 's3://bucket',
  snapshotTag: 't1',
  secretName: 'creds',
};
export const without = (o: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
export const schedule = { schedules: ['0 2 * * *'], backupTemplate: { spec: backup } };
export const sync = { storageLocation: 's3://bucket', secretName: 'creds' };

const plural = (kind: string) => `${kind.toLowerCase()}s`;

/** The message the API server gave for a rejected request (what kubectl prints). */
export async function rejection(request: Promise<unknown>): Promise<string> {
  return (await refusal(request)).message;
}

export function loadFile(path: string): Obj[] {
  return (loadAllYaml(readFileSync(path, 'utf8')) as Obj[]).filter(Boolean);
}

/** A status's conditions holding one condition, as the operator writes it. */
export const withCondition = (type: string, status: 'True' | 'Unknown', reason: string) => ({
  conditions: [{ type, status, reason, message: 'm', lastTransitionTime: new Date().toISOString() }],
});
export const succeeded = (status: 'True' | 'Unknown') =>
  withCondition('Succeeded', status, status === 'True' ? 'BackupCompleted' : 'Running');

export interface CrdApi {
  namespace: string;
  manifest: (kind: Kind, spec: Record<string, unknown>, name?: string) => Obj;
  create: (obj: Obj, dryRun?: boolean) => Promise<Obj>;
  /** Creates any object of the manifest files (dry-run) in the namespace. */
  createAny: (obj: Obj) => Promise<void>;
  /** The message of a refused create, after checking that the generated CEL checks refuse it alike. */
  refusedCreate: (obj: Obj) => Promise<string>;
  patchSpec: (obj: Obj, spec: Record<string, unknown>) => Promise<Obj>;
  patchStatus: (obj: Obj, status: Record<string, unknown>) => Promise<Obj>;
  /**
   * The message of a refused spec patch of `current` (the object as the API server has it), after
   * checking that the generated CEL checks refuse the update alike.
   */
  refusedUpdate: (current: Obj, spec: Record<string, unknown>) => Promise<string>;
}

/** Clients of the stack's API server and a namespace of their own. */
export async function startCrdApi(): Promise<CrdApi> {
  const kc = kubeConfig();
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = await createNamespace(kc, 'api');

  function manifest(kind: Kind, spec: Record<string, unknown>, name = uniqueName('r')): Obj {
    return { apiVersion: `${group}/${version}`, kind, metadata: { name, namespace }, spec };
  }

  async function create(obj: Obj, dryRun = false): Promise<Obj> {
    return custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plural(obj.kind ?? ''),
      body: obj,
      ...(dryRun ? { dryRun: 'All' } : {}),
    }) as Promise<Obj>;
  }

  async function refusedCreate(obj: Obj): Promise<string> {
    const refused = await refusal(create(obj, true));
    assert.equal(disagreement(obj.kind as RuleKind, refused, obj), '', 'the generated CEL checks disagree');
    return refused.message;
  }

  async function createAny(obj: Obj): Promise<void> {
    obj.metadata = { ...obj.metadata, namespace };
    await objects.create(obj, undefined, 'All');
  }

  /** Merge-patches the spec (main resource) or the status (/status subresource). */
  async function patch(
    obj: Obj,
    body: { spec: Record<string, unknown> } | { status: Record<string, unknown> },
  ): Promise<Obj> {
    const args = {
      group,
      version,
      namespace,
      plural: plural(obj.kind ?? ''),
      name: obj.metadata?.name ?? '',
      body,
    };
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    return (
      'status' in body
        ? custom.patchNamespacedCustomObjectStatus(args, options)
        : custom.patchNamespacedCustomObject(args, options)
    ) as Promise<Obj>;
  }
  const patchSpec = (obj: Obj, spec: Record<string, unknown>) => patch(obj, { spec });
  const patchStatus = (obj: Obj, status: Record<string, unknown>) => patch(obj, { status });

  async function refusedUpdate(current: Obj, spec: Record<string, unknown>): Promise<string> {
    const refused = await refusal(patchSpec(current, spec));
    const updated = mergePatch(current, { spec });
    assert.equal(
      disagreement(current.kind as RuleKind, refused, updated, current),
      '',
      'the generated CEL checks disagree',
    );
    return refused.message;
  }

  return { namespace, manifest, create, createAny, refusedCreate, patchSpec, patchStatus, refusedUpdate };
}
