// The operator's structured logs (pino, JSON lines on stdout). Components take a child logger that
// carries their name; work on a resource carries its identity and workflow id on every line.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'cassandra-backup-operator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Credentials never reach a log line by construction (only Secret names travel); this is the
      // second fence for anything that looks like one.
      redact: { paths: ['*.data', '*.stringData', '*.apiKey', 'apiKey'], censor: '[redacted]' },
    },
    destination as pino.DestinationStream | undefined,
  );
}
