import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (this file is dev/stack/repo.ts). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
