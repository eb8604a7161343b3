// Which Icarus generation a sidecar runs decides how credentials travel (requests.ts): 2.x reads the
// Secret named in the request, 3.x only its own environment. Set explicitly, or detected from /version.
import type { CallOptions, IcarusClient } from './client.js';
import type { IcarusGeneration } from './requests.js';

export type GenerationSetting = 'auto' | IcarusGeneration;

/**
 * The generation in a /version answer: esop's major version when named (Icarus 2.0.4 ships esop 2.0.4,
 * Icarus 3.0.0 esop 3.0.1), else the major of the first version number. Undefined when neither is there.
 */
export function generationFromVersion(answer: unknown): IcarusGeneration | undefined {
  const text =
    typeof answer === 'object' && answer !== null && 'version' in answer
      ? String(answer.version)
      : String(answer);
  const major = Number((/\besop (\d+)\./i.exec(text) ?? /(\d+)\.\d+(\.\d+)?/.exec(text))?.[1]);
  if (major === 2) return 2;
  if (major >= 3) return 3;
  return undefined;
}

export async function resolveGeneration(
  setting: GenerationSetting,
  client: IcarusClient,
  opts: CallOptions = {},
): Promise<IcarusGeneration> {
  if (setting !== 'auto') return setting;
  const answer = await client.version(undefined, opts);
  const generation = generationFromVersion(answer);
  if (!generation) {
    throw new Error(
      `cannot tell the Icarus generation of ${client.endpoint} from its /version answer ${JSON.stringify(answer)}: set it explicitly (2 or 3)`,
    );
  }
  return generation;
}
