// The sandbox's env.sh: the stack's variables, and its own kubectl and temporal first on PATH, so that
// `kubectl …` and `temporal …` as the docs spell them talk to this stack (test/unit/dev/env-script.test.ts).
import { dirname } from 'node:path';

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** `binaries`: the stack's own tools (kubectl, temporal), whose folders go first on PATH. */
export function envScript(env: Record<string, string>, binaries: string[]): string {
  const folders = [...new Set(binaries.map((b) => dirname(b)))];
  return (
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${quote(v)}`)
      .concat(folders.length ? [`export PATH=${folders.map(quote).join(':')}:"$PATH"`] : [])
      .join('\n') + '\n'
  );
}
