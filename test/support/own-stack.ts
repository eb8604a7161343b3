// A stack of one test file's own (for faults that would disturb the shared servers, or CRDs of its own):
// started like the shared one, with the operator's ServiceAccount token, and made the one the test
// helpers and startOperator use by pointing this process's environment at it until stop().
import { operatorKubeconfig } from '../../dev/stack/operator-identity.js';
import { startStack, type Stack, type StackOptions } from '../../dev/stack/index.js';

export interface OwnStack {
  stack: Stack;
  /** The operator's token-only kubeconfig (undefined on an existing cluster). */
  operatorKubeconfig: string | undefined;
  /** Stops the servers it started and gives the environment back. */
  stop(): Promise<void>;
}

const STACK_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_UI_URL',
  'KUBECONFIG',
  'KUBECTL',
  'OPERATOR_KUBECONFIG',
];

/** With `ownTemporal`, a Temporal server of its own too; otherwise the test runner's (TEMPORAL_ADDRESS). */
export async function startOwnStack(opts: StackOptions & { ownTemporal?: boolean } = {}): Promise<OwnStack> {
  const saved = Object.fromEntries(STACK_VARIABLES.map((name) => [name, process.env[name]]));
  const restore = () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  if (opts.ownTemporal)
    for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE']) delete process.env[name];
  let stack: Stack;
  try {
    stack = await startStack(opts);
  } catch (err) {
    restore();
    throw err;
  }
  try {
    const kubeconfig = await operatorKubeconfig(stack.kube, stack.workDir);
    Object.assign(process.env, stack.env());
    if (kubeconfig) process.env.OPERATOR_KUBECONFIG = kubeconfig;
    else delete process.env.OPERATOR_KUBECONFIG;
    return {
      stack,
      operatorKubeconfig: kubeconfig,
      stop: async () => {
        await stack.stop();
        restore();
      },
    };
  } catch (err) {
    await stack.stop();
    restore();
    throw err;
  }
}
