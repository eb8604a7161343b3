// The local sandbox (`npm run sandbox`): the real stack on loopback with the Temporal Web UI, running
// until Ctrl-C, which stops everything it started.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installShutdownHandlers, startStack, type Stack } from './stack/index.js';

// Handlers first, so that Ctrl-C while the stack starts also stops what was started. Ctrl-C stops every
// server and removes the sandbox's temporary folder (STACK_KEEP=true keeps it).
const running: { stack?: Stack } = {};
installShutdownHandlers(async () => {
  await running.stack?.stop();
});
const stack = await startStack({ ui: true });
running.stack = stack;
const env = stack.env();
const envFile = join(stack.workDir, 'env.sh');
writeFileSync(
  envFile,
  Object.entries(env)
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n') + '\n',
);
const kubectl = env.KUBECTL ?? 'kubectl';
process.stdout.write(
  [
    '',
    'Sandbox is running. Press Ctrl-C to stop it.',
    '',
    `  Temporal Web UI:  ${stack.temporal.uiUrl ?? '(not served)'}`,
    `  Temporal address: ${stack.temporal.address}`,
    `  kubeconfig:       ${stack.kube.kubeconfigPath}`,
    '',
    'In another shell:',
    `  source ${envFile}`,
    `  ${kubectl} get crds`,
    `  ${kubectl} get cassandrabackups -A`,
    '',
  ].join('\n'),
);
// Stay up until a signal; the shutdown handlers stop the stack.
setInterval(() => {}, 1 << 30);
