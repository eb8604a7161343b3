// The plain HTTP of a simulated Icarus sidecar (./node.ts): a request's body read whole, an answer in
// text or JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request's body, whole (what arrived, if the request broke off). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}

export function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}
