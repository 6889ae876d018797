import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { redactingJsonReplacer } from '../shared/logging';
import { METRICS_NAMESPACE, type Powertools } from '../shared/powertools';
import { PrettyLogFormatter, type JsonReplacer } from './pretty-log-formatter';

export type LogFormat = 'pretty' | 'json';
/** Where a finished log line goes; `level` is the entry's level name (INFO, WARN, ...). */
export type LogWriter = (line: string, level: string) => void;

export interface LocalLogOptions {
  /** pretty: one readable line per entry; json: the lines CloudWatch would get. */
  format: LogFormat;
  /** A Powertools level name; unset: POWERTOOLS_LOG_LEVEL, else INFO. */
  level?: string;
  /** Default: stdout, warnings and errors to stderr. */
  write?: LogWriter;
  colours?: boolean;
}

interface Output {
  pretty?: PrettyLogFormatter;
  write: LogWriter;
}

const STDERR_LEVELS = new Set(['WARN', 'ERROR', 'CRITICAL']);

export const writeToConsole: LogWriter = (line, level) => {
  (STDERR_LEVELS.has(level) ? process.stderr : process.stdout).write(`${line}\n`);
};

/**
 * A Powertools Logger that prints through a writer of ours, pretty or as JSON. Everything else
 * (levels, keys, correlation ids, context) is the Logger the handlers use on AWS.
 */
class LocalLogger extends Logger {
  // Unset while Logger's constructor runs: anything it prints then goes the default way.
  private output?: Output;

  constructor(options: ConstructorOptions, output: Output) {
    super(options);
    this.output = output;
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new LocalLogger(options ?? {}, this.output as Output);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.output) return super.printLog(logLevel, log);
    log.prepareForPrint();
    const attributes = log.getAttributes();
    const replacer = this.getJsonReplacer() as JsonReplacer;
    const line = this.output.pretty
      ? this.output.pretty.render(attributes, replacer)
      : JSON.stringify(attributes, replacer as (key: string, value: unknown) => unknown);
    this.output.write(line, String(attributes.level));
  }
}

/** The Powertools pair a locally hosted function gets: the same Metrics, our Logger output. */
export function createLocalPowertools(serviceName: string, options: LocalLogOptions): Powertools {
  const pretty =
    options.format === 'pretty' ? new PrettyLogFormatter({ colours: options.colours ?? false }) : undefined;
  const logger = new LocalLogger(
    {
      serviceName,
      jsonReplacerFn: redactingJsonReplacer,
      ...(options.level ? { logLevel: options.level.toUpperCase() as ConstructorOptions['logLevel'] } : {}),
      ...(pretty ? { logFormatter: pretty } : {}),
    },
    { pretty, write: options.write ?? writeToConsole },
  );
  return { logger, metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }) };
}
