// Bench only, never in the image: bench/harness.ts loads this into an operator it starts with
// `--expose-gc --require bench/memory-probe.cjs` when a scenario asks for memory figures. It serves, on
// 127.0.0.1:$BENCH_MEMORY_PROBE_PORT,
//   GET  /memory    the V8 heap of every thread of the process (the main thread: watcher, activities;
//                   the SDK's workflow thread: every cached workflow), without collecting anything;
//   POST /gc        the same after a full garbage collection in every thread;
//   POST /snapshot  the same after writing a heap snapshot of every thread to $BENCH_MEMORY_PROBE_DIR.
// Worker threads inherit the flags, so this file runs in each of them too and answers the main
// thread over a BroadcastChannel. It keeps nothing alive and changes nothing in the operator.
'use strict';
const http = require('node:http');
const v8 = require('node:v8');
const { join } = require('node:path');
const { BroadcastChannel, isMainThread, threadId } = require('node:worker_threads');

const channel = new BroadcastChannel('bench-memory-probe');
channel.unref();

function collect() {
  if (typeof globalThis.gc !== 'function') return;
  // Twice: the first collection runs finalizers and weak callbacks that free more for the second.
  globalThis.gc();
  globalThis.gc();
}

function heapOf(action) {
  if (action === 'gc') collect();
  let snapshot;
  if (action === 'snapshot') {
    const dir = process.env.BENCH_MEMORY_PROBE_DIR || process.cwd();
    snapshot = v8.writeHeapSnapshot(
      join(dir, `operator-${process.pid}-thread${threadId}-${Date.now()}.heapsnapshot`),
    );
  }
  const h = v8.getHeapStatistics();
  return {
    threadId,
    usedBytes: h.used_heap_size,
    totalBytes: h.total_heap_size,
    externalBytes: h.external_memory,
    mallocedBytes: h.malloced_memory,
    ...(snapshot ? { snapshot } : {}),
  };
}

if (!isMainThread) {
  channel.onmessage = ({ data }) => {
    if (data && data.request !== undefined)
      channel.postMessage({ reply: data.request, heap: heapOf(data.action) });
  };
} else if (process.env.BENCH_MEMORY_PROBE_PORT) {
  let next = 0;
  const waiting = new Map();
  channel.onmessage = ({ data }) => waiting.get(data && data.reply)?.push(data.heap);
  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const action =
      req.method === 'POST' && (path === '/gc' || path === '/snapshot') ? path.slice(1) : undefined;
    if (path !== '/memory' && !action) {
      res.writeHead(404).end();
      return;
    }
    const request = ++next;
    const replies = [];
    waiting.set(request, replies);
    channel.postMessage({ request, action });
    const main = heapOf(action);
    // The other threads answer between their tasks; a snapshot of a large heap takes a while.
    setTimeout(
      () => {
        waiting.delete(request);
        const threads = [main, ...replies].sort((a, b) => a.threadId - b.threadId);
        const mu = process.memoryUsage();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ rssBytes: mu.rss, arrayBuffersBytes: mu.arrayBuffers, threads }));
      },
      action === 'snapshot' ? 60_000 : action === 'gc' ? 3000 : 500,
    );
  });
  server.listen(Number(process.env.BENCH_MEMORY_PROBE_PORT), '127.0.0.1');
  server.unref();
}
