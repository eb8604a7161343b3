// Local-stack plumbing, loaded into every process of a test run and into the sandbox's operator
// (`node --import`, through NODE_OPTIONS: withCloudHosts() in ./cloud-hosts-option.ts), the Node counterpart of the
// real tier's JVM hosts file: the public clouds' host names never resolve to the internet from here. Names listed in CBO_TEST_CLOUD_HOSTS (JSON: a name, or
// a `.suffix` for every sub-domain, to a loopback address) go to the storage servers of the test stack;
// every other cloud name fails as an unknown host. Other names resolve as usual.
import dns from 'node:dns';

const CLOUD = ['.amazonaws.com', '.windows.net', '.googleapis.com'];
// Read at each lookup: a test may map names after its process started.
const find = (host) => {
  const map = JSON.parse(process.env.CBO_TEST_CLOUD_HOSTS || '{}');
  return map[host] ?? Object.entries(map).find(([k]) => k.startsWith('.') && host.endsWith(k))?.[1];
};
const original = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts =
    typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : (options ?? {});
  const name = String(hostname).toLowerCase();
  if (!CLOUD.some((s) => name.endsWith(s) || name === s.slice(1)))
    return original.call(this, hostname, options, callback);
  const address = find(name);
  if (!address) {
    const err = Object.assign(
      new Error(`getaddrinfo ENOTFOUND ${hostname} (the local stack never reaches a real cloud)`),
      {
        code: 'ENOTFOUND',
        hostname,
      },
    );
    process.nextTick(cb, err);
    return;
  }
  if (opts.all) process.nextTick(cb, null, [{ address, family: 4 }]);
  else process.nextTick(cb, null, address, 4);
};
