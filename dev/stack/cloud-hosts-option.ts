// NODE_OPTIONS that load ./cloud-hosts.mjs into a Node process of the local stack (tests, the sandbox's
// operator): the clouds' host names resolve only to the stack's own storage servers.
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export function withCloudHosts(nodeOptions: string | undefined): string {
  const option = `--import=${join(repoRoot, 'dev', 'stack', 'cloud-hosts.mjs')}`;
  return [nodeOptions, option].filter(Boolean).join(' ');
}
