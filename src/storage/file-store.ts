// file:// locations: the folder as this process sees it. A path that only the Cassandra nodes mount is
// not found here, which the caller reports as "contents unknown", never as a missing backup.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageReadError, type ObjectStore } from './object-store.js';

export function fileStore(): ObjectStore {
  return {
    async list(prefix) {
      const dir = `/${prefix}`;
      try {
        const entries = await readdir(dir, { recursive: true, withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(1));
      } catch (err) {
        throw new StorageReadError(`listing file://${dir}: ${(err as Error).message}`);
      }
    },
    async folders(prefix) {
      const dir = `/${prefix}`;
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory()).map((e) => e.name);
      } catch (err) {
        throw new StorageReadError(`listing file://${dir}: ${(err as Error).message}`);
      }
    },
    async read(key) {
      try {
        return await readFile(`/${key}`, 'utf8');
      } catch (err) {
        throw new StorageReadError(`reading file:///${key}: ${(err as Error).message}`);
      }
    },
    close: () => undefined,
  };
}
