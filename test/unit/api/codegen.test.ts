// The CRDs in k8s/crds/ (and the Helm chart's crds/), the model in src/kube/api/generated.ts and the CEL rules as JavaScript in
// src/kube/api/generated-rules.ts are all generated from src/kube/api/definitions.ts. This fails when a
// committed file no longer equals what the definitions produce: run `npm run gen:api` and commit the
// result.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { format, resolveConfig } from 'prettier';
import {
  CRD_DIRS,
  crdFileName,
  renderCrdYaml,
  renderModel,
  renderReference,
  renderRules,
} from '../../../dev/codegen/render.js';
import { definitions } from '../../../src/kube/api/definitions.js';

const repo = join(import.meta.dirname, '..', '..', '..');

async function formatted(text: string, path: string): Promise<string> {
  return format(text, { ...(await resolveConfig(path)), filepath: path });
}

test('each committed CRD, in k8s/crds and in the Helm chart, equals the one generated from the definitions', async () => {
  for (const def of definitions) {
    for (const dir of CRD_DIRS) {
      const path = join(repo, dir, crdFileName(def));
      assert.equal(
        readFileSync(path, 'utf8'),
        await formatted(renderCrdYaml(def), path),
        `${path} is stale: run npm run gen:api`,
      );
    }
  }
});

test("the Helm chart's crds/ holds exactly the files of k8s/crds, byte for byte", () => {
  const crds = (dir: string) =>
    readdirSync(join(repo, dir))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort();
  const [kustomize, chart] = CRD_DIRS;
  assert.deepEqual(crds(chart), crds(kustomize));
  assert.deepEqual(crds(kustomize), definitions.map(crdFileName).sort());
  for (const file of crds(kustomize))
    assert.ok(
      readFileSync(join(repo, chart, file)).equals(readFileSync(join(repo, kustomize, file))),
      `${chart}/${file} differs from ${kustomize}/${file}: run npm run gen:api`,
    );
});

test('the committed TypeScript model equals the one generated from the definitions', async () => {
  const path = join(repo, 'src', 'kube', 'api', 'generated.ts');
  assert.equal(
    readFileSync(path, 'utf8'),
    await formatted(renderModel(definitions), path),
    `${path} is stale: run npm run gen:api`,
  );
});

test('the committed CEL rules as JavaScript equal the ones generated from the definitions', async () => {
  const path = join(repo, 'src', 'kube', 'api', 'generated-rules.ts');
  assert.equal(
    readFileSync(path, 'utf8'),
    await formatted(renderRules(definitions), path),
    `${path} is stale: run npm run gen:api`,
  );
});

test('the committed API reference equals the one generated from the definitions', async () => {
  const path = join(repo, 'docs', 'api-reference.md');
  assert.equal(
    readFileSync(path, 'utf8'),
    await formatted(renderReference(definitions), path),
    `${path} is stale: run npm run gen:api`,
  );
});

test('the generator refuses two different schemas under one type name', () => {
  const [backup] = definitions;
  assert.ok(backup);
  const clash = { ...backup, kind: 'Other', status: { ...backup.status, tsName: 'CassandraBackupSpec' } };
  assert.throws(() => renderModel([backup, clash]), /two different schemas are named CassandraBackupSpec/);
});
