// The layering lint (eslint.boundaries.js, run by `npm run lint`) refuses an import against the layers
// and a circle of imports: shown here on deliberately wrong imports, linted as if they were files of the
// tree (the tree itself passes: `npm run lint`).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { repoRoot } from '../../../dev/stack/repo.js';

const { boundaries } = (await import(pathToFileURL(join(repoRoot, 'eslint.boundaries.js')).href)) as {
  boundaries: Linter.Config[];
};

function linter(cwd = repoRoot): ESLint {
  return new ESLint({
    cwd,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundaries],
  });
}

const eslint = linter();

/** The boundary problems of `code` as the file at `path` (relative to the repository). */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const refused = [
  // A layer importing one above it.
  [
    'src/kube/probe.ts',
    "import { Reconciler } from '../operator/reconciler.js';",
    'may not import the operator',
  ],
  [
    'src/icarus/probe.ts',
    "import { createActivities } from '../../activities/index.js';",
    'may not import the runtimes',
  ],
  [
    'src/contract/probe.ts',
    "import { PlanError } from '../kube/plan-error.js';",
    'may not import the clients',
  ],
  [
    'src/kube/api/probe.ts',
    "import { errorCode } from '../../contract/error-code.js';",
    'may not import the contract',
  ],
  [
    'activities/probe.ts',
    "import { createWorker } from '../src/temporal/worker.js';",
    'may not import the Temporal wiring',
  ],
  ['src/logger.ts', "import { IcarusClient } from './icarus/client.js';", 'may not import the clients'],
  // Siblings that stay apart.
  [
    'activities/probe.ts',
    "import { k8s } from '../workflows/run/activities.js';",
    'siblings in one layer stay apart',
  ],
  [
    'workflows/probe.ts',
    "import { converting } from '../activities/failures.js';",
    'only the type `Activities`',
  ],
  [
    'workflows/run/probe.ts',
    "import { converting } from '../../activities/failures.js';",
    'only the type `Activities`',
  ],
  [
    'src/icarus/probe.ts',
    "import { PlanError } from '../kube/plan-error.js';",
    'siblings in one layer stay apart',
  ],
  // Workflow code seen from outside the sandbox, dev and test machinery from production code, the
  // tests from dev/.
  [
    'src/operator/probe.ts',
    "import { backupWorkflow } from '../../workflows/backup.js';",
    'only workflows/signals.ts',
  ],
  [
    'src/temporal/probe.ts',
    "import { startStack } from '../../dev/stack/index.js';",
    'dev or test machinery (dev/)',
  ],
  ['src/main.ts', "import { repoRoot } from '../dev/stack/repo.js';", 'dev or test machinery (dev/)'],
  [
    'workflows/probe.ts',
    "import { SimulatedCluster } from '../dev/icarus-simulator/cluster.js';",
    'dev or test machinery (dev/)',
  ],
  [
    'src/kube/api/probe.ts',
    "import { translateRule } from '../../../dev/codegen/cel.js';",
    'dev or test machinery (dev/)',
  ],
  [
    'activities/probe.ts',
    "import { eventually } from '../test/support/wait.js';",
    'dev or test machinery (test/)',
  ],
  [
    'dev/stack/probe.ts',
    "import { eventually } from '../../test/support/wait.js';",
    'dev/ may not import test/',
  ],
] as const;

for (const [path, code, why] of refused)
  test(`refused: ${path} ${code}`, async () => {
    const found = await problems(path, `${code}\nexport const probe = 1;\n`);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] ?? '', /^import-x\/no-restricted-paths: /);
    assert.ok(found[0]?.includes(why), found[0]);
  });

const allowed = [
  ['src/operator/probe.ts', "import { cancelSignal } from '../../workflows/signals.js';"],
  ['src/operator/probe.ts', "import { scheduleIdOf } from '../contract/ids.js';"],
  ['src/temporal/probe.ts', "import { createActivities } from '../../activities/index.js';"],
  ['workflows/probe.ts', "import type { Activities } from '../activities/index.js';"],
  ['workflows/probe.ts', "import { FailureType } from '../src/contract/failures.js';"],
  ['activities/probe.ts', "import { PlanError } from '../src/kube/plan-error.js';"],
  ['src/kube/probe.ts', "import { resourceNames } from './api/resources.js';"],
  ['src/contract/probe.ts', "import type { CassandraBackupSpec } from '../kube/api/resources.js';"],
  ['dev/probe.ts', "import { Reconciler } from '../src/operator/reconciler.js';"],
  ['dev/codegen/probe.ts', "import { GROUP } from '../../src/kube/api/schema.js';"],
  ['test/unit/probe.ts', "import { startStack } from '../../dev/stack/index.js';"],
  ['test/unit/probe.ts', "import { k8s } from '../../workflows/run/activities.js';"],
] as const;

for (const [path, code] of allowed)
  test(`allowed: ${path} ${code}`, async () => {
    assert.deepEqual(await problems(path, `${code}\nexport const probe = 1;\n`), []);
  });

const dir = mkdtempSync(join(tmpdir(), 'import-cycle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('refused: a circle of value imports', async () => {
  writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
  writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
  const [result] = await linter(dir).lintFiles(['a.ts']);
  assert.deepEqual(
    result?.messages.map((m) => m.ruleId),
    ['import-x/no-cycle'],
  );
});
