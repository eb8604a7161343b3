// `npm run gen:api`: writes k8s/crds/*.yaml and src/kube/api/generated.ts from src/kube/api/definitions.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFileName, renderCrdYaml, renderModel, renderReference } from '../src/kube/api/codegen.js';
import { definitions } from '../src/kube/api/definitions.js';
import { repoRoot } from '../src/dev/stack/repo.js';

for (const def of definitions) {
  const path = join(repoRoot, 'k8s', 'crds', crdFileName(def));
  writeFileSync(path, renderCrdYaml(def));
  console.log(`wrote ${path}`);
}
const model = join(repoRoot, 'src', 'kube', 'api', 'generated.ts');
writeFileSync(model, renderModel(definitions));
console.log(`wrote ${model}`);
const reference = join(repoRoot, 'docs', 'api-reference.md');
writeFileSync(reference, renderReference(definitions));
console.log(`wrote ${reference}`);
