// The Temporal SDK's runtime for a process that runs the worker: its logs go to our pino logger (one
// JSON line format, with the SDK's workflow and activity ids), and its metrics to a Prometheus exporter
// on a loopback port that /metrics reads and appends, so one scrape gets both. Signals are ours:
// src/main.ts stops watching before it drains the worker.
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { freePort } from '../net/free-port.js';

/**
 * The SDK's log calls, as pino lines (levels map one to one; TRACE is pino's trace). `infoAs: 'debug'`
 * lowers INFO lines (the workflow bundler's webpack report: a build detail, not the operator's news).
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly logger: Logger,
    private readonly opts: { infoAs?: 'info' | 'debug' } = {},
  ) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    let method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    if (method === 'info' && this.opts.infoAs === 'debug') method = 'debug';
    this.logger[method]({ ...meta }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Installs the runtime (before any worker connection); returns a reader of the SDK's metrics text. */
export async function installTemporalRuntime(logger: Logger): Promise<() => Promise<string | undefined>> {
  const port = await freePort();
  Runtime.install({
    logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' })),
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${port}`,
          countersTotalSuffix: true,
          unitSuffix: true,
          useSecondsForDurations: true,
        },
      },
    },
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  };
}
