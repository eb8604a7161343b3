/** Progress lines of the local stack, on stderr so that they never mix with a command's output. */
export function say(component: string, message: string): void {
  if (process.env.STACK_QUIET === 'true') return;
  process.stderr.write(`[${component}] ${message}\n`);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
