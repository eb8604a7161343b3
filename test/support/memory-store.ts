// An ObjectStore over a Map of object names to contents, for unit tests of pure listing logic. The
// stores themselves are tested against the real servers (test/storage, test/real-tier).
import type { ObjectStore } from '../../src/storage/object-store.js';

export function memoryStore(objects: ReadonlyMap<string, string>): ObjectStore {
  return {
    list: (prefix) => Promise.resolve([...objects.keys()].filter((k) => k.startsWith(prefix))),
    folders: (prefix) =>
      Promise.resolve([
        ...new Set(
          [...objects.keys()]
            .filter((k) => k.startsWith(prefix) && k.indexOf('/', prefix.length) > 0)
            .map((k) => k.slice(prefix.length, k.indexOf('/', prefix.length))),
        ),
      ]),
    read: (key) => {
      const body = objects.get(key);
      return body === undefined ? Promise.reject(new Error(`no object ${key}`)) : Promise.resolve(body);
    },
    close: () => undefined,
  };
}
