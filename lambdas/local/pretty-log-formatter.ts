import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redactSecrets, redactingJsonReplacer } from '../shared/logging';

export type JsonReplacer = (key: string, value: unknown) => unknown;

const ANSI = { dim: 2, red: 31, green: 32, yellow: 33, cyan: 36, gray: 90 } as const;
const LEVEL_COLOURS: Record<string, keyof typeof ANSI> = {
  TRACE: 'gray',
  DEBUG: 'gray',
  INFO: 'green',
  WARN: 'yellow',
  ERROR: 'red',
  CRITICAL: 'red',
};
/** Wide enough for the longest service name, `client-data`. */
const SERVICE_WIDTH = 11;
const BARE_VALUE = /^[^\s"'=]+$/;

/**
 * Powertools log entries for a person at a terminal: one line each with the local time, level,
 * service, message and then the entry's extra keys as key=value. The entry keeps the keys a JSON
 * line would have, minus the Lambda-context ones (function ARN, memory size, cold start), which
 * say nothing on one machine.
 */
export class PrettyLogFormatter extends LogFormatter {
  constructor(private readonly options: { colours: boolean }) {
    super();
  }

  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        timestamp: this.formatTimestamp(attributes.timestamp),
        level: attributes.logLevel,
        service: attributes.serviceName,
        message: attributes.message,
      },
    }).addAttributes(additionalLogAttributes);
  }

  /** The line for an entry this formatter made; `replacer` is the logger's JSON replacer. */
  render(attributes: LogAttributes, replacer: JsonReplacer): string {
    const { timestamp, level, service, message, ...extra } = attributes;
    const levelName = String(level);
    const head = [
      this.paint('dim', clock(String(timestamp))),
      this.paint(LEVEL_COLOURS[levelName] ?? 'gray', levelName.padEnd(5)),
      this.paint('cyan', String(service).padEnd(SERVICE_WIDTH)),
      redactSecrets(String(message)),
    ].join(' ');
    const pairs = Object.entries(extra).map(
      ([key, value]) => `${this.paint('dim', `${key}=`)}${this.value(value, replacer)}`,
    );
    return pairs.length > 0 ? `${head}  ${pairs.join(' ')}` : head;
  }

  private value(raw: unknown, replacer: JsonReplacer): string {
    // As the JSON output would have it: errors serialised and redacted, strings redacted.
    const value = redactingJsonReplacer('', raw);
    if (isSerialisedError(value)) return JSON.stringify(this.errorLine(value));
    if (typeof value === 'string') return BARE_VALUE.test(value) ? value : JSON.stringify(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value, replacer as (key: string, value: unknown) => unknown) ?? String(value);
  }

  /** `Name: message (location) ← CauseName: cause message`, for a person at a terminal. */
  private errorLine(error: SerialisedError): string {
    const location = this.getCodeLocation(typeof error.stack === 'string' ? error.stack : undefined);
    const head = `${error.name}: ${error.message}${location ? ` (${location})` : ''}`;
    return isSerialisedError(error.cause) ? `${head} ← ${this.errorLine(error.cause)}` : head;
  }

  private paint(colour: keyof typeof ANSI, text: string): string {
    return this.options.colours ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
  }
}

interface SerialisedError {
  name: string;
  message: string;
  stack?: unknown;
  cause?: unknown;
}

function isSerialisedError(value: unknown): value is SerialisedError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.name === 'string' && typeof candidate.message === 'string';
}

/** `HH:MM:SS.mmm` in local time: at a terminal the date is today's. */
function clock(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}
