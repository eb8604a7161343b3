// `npm run build:dist`: the operator as it ships in the image. TypeScript compiled to dist/ (src/,
// workflows/, activities/: tsconfig.build.json; the dev tools are in dev/, not built), plus the workflow
// bundle built once here with the SDK's bundler, so a production worker loads dist/workflow-bundle.js
// instead of bundling at each start.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// The repository's root, found here rather than from the dev tools, so that the image's build stage
// needs only this script and the operator's own code.
const repoRoot = join(import.meta.dirname, '..');

const dist = join(repoRoot, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json')], { stdio: 'inherit' });
const { code } = await bundleWorkflowCode({ workflowsPath: join(repoRoot, 'workflows', 'index.ts') });
writeFileSync(join(dist, 'workflow-bundle.js'), code);
console.log(`wrote ${dist}: node dist/src/main.js runs the operator`);
