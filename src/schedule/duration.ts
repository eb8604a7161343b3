// The durations of a CassandraBackupSchedule ('7d', '1d12h', '90m', '30s'): whole days, hours, minutes
// and seconds. The CRD checks the form; this turns it into milliseconds.
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

export function parseScheduleDuration(text: string): number {
  if (!/^(\d+[dhms])+$/.test(text))
    throw new Error(
      `"${text}" is not a duration of whole days, hours, minutes and seconds such as 7d or 1d12h`,
    );
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([dhms])/g))
    ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  return ms;
}
