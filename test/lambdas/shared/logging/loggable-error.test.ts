import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createLocalPowertools } from '../../../../lambdas/local/local-powertools';
import {
  REDACTED,
  loggableError,
  redactSecrets,
  redactedMessage,
  rememberSecretValue,
} from '../../../../lambdas/shared/logging';
import { createPowertools } from '../../../../lambdas/shared/powertools';

const secret = () => randomBytes(24).toString('base64url');

// What a serialised error looks like to a test: nested records of whatever was logged.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Logged = Record<string, any>;

describe('redactSecrets', () => {
  it('takes out a remembered secret value wherever it stands, URL-encoded too', () => {
    const value = `${secret()}+/=`;
    rememberSecretValue(value);
    const text = `key ${value} and in a URL https://host/path?q=${encodeURIComponent(value)}&x=1`;
    expect(redactSecrets(text)).toBe(`key ${REDACTED} and in a URL https://host/path?q=${REDACTED}&x=1`);
  });

  it('remembers no value shorter than 8 characters: those would blank out ordinary words', () => {
    rememberSecretValue('error');
    expect(redactSecrets('an error occurred')).toBe('an error occurred');
  });

  it.each([
    ['an Authorization header', 'Authorization: Token m0-abc', `Authorization: ${REDACTED}`],
    ['a bearer token in prose', 'sent Bearer eyJhbGciOi.J9x2 upstream', `sent Bearer ${REDACTED} upstream`],
    ['an ElevenLabs key header', '{"xi-api-key":"0123456789abcdef"}', `{"xi-api-key":"${REDACTED}"}`],
    ['an API key field', 'apiKey=hunter2hunter2', `apiKey=${REDACTED}`],
    ['a key in a URL', 'GET /v1/audio?api_key=abc123&page=2', `GET /v1/audio?api_key=${REDACTED}&page=2`],
    ['a token in a URL', 'https://h/x?token=abcdef123', `https://h/x?token=${REDACTED}`],
    ['a Mem0 key', 'key m0-AbCdEf0123456789 refused', `key ${REDACTED} refused`],
    ['an ElevenLabs API key', 'sk_0123456789abcdef0123 refused', `${REDACTED} refused`],
    ['a webhook secret', 'wsec_0123456789abcdef0123', REDACTED],
    ['a memory token', 'token am1.eyJzdWIiOiIrMTYx.c2lnbmF0dXJlLXNpZ25hdHVyZQ', `token ${REDACTED}`],
  ])('takes out %s, however it was never remembered', (_shape, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    'memory token key unavailable: answering without a token',
    'missing X-Memory-Token (or X-Api-Key) header',
    'Token verification failed',
    'invalid X-Api-Key header',
    'secret ELEVENLABS_HMAC_KEY_SECRET_ID has no value yet: set it in Secrets Manager',
  ])('leaves the project’s own messages alone: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('loggableError', () => {
  it('serialises the whole error: message, stack, cause chain, AggregateError errors, properties', () => {
    const key = secret();
    rememberSecretValue(key);
    const inner = Object.assign(new Error(`refused ${key}`), { code: 'ECONNRESET', status: 401 });
    const error = new Error('outer', { cause: new AggregateError([inner, 'a plain reason'], 'all failed') });

    const logged = loggableError(error) as Logged;

    expect(logged).toMatchObject({
      name: 'Error',
      message: 'outer',
      stack: expect.stringContaining('Error: outer'),
      cause: {
        name: 'AggregateError',
        message: 'all failed',
        errors: [{ name: 'Error', message: `refused ${REDACTED}`, code: 'ECONNRESET', status: 401 }, 'a plain reason'],
      },
    });
    expect(JSON.stringify(logged)).not.toContain(key);
  });

  it('redacts credential fields by name, whatever their value, in objects, Maps and Headers', () => {
    const unknown = secret();
    const error = Object.assign(new Error('upstream failed'), {
      config: { headers: { Authorization: unknown, Accept: 'application/json' }, timeout: 5 },
      request: new Map([['x-api-key', unknown]]),
      response: { headers: new Headers({ 'set-cookie': unknown, 'content-type': 'text/plain' }) },
      password: unknown,
    });

    const logged = loggableError(error) as Logged;

    expect(logged.config).toEqual({ headers: { Authorization: REDACTED, Accept: 'application/json' }, timeout: 5 });
    expect(logged.request).toEqual({ 'x-api-key': REDACTED });
    expect(logged.response.headers).toEqual({ 'set-cookie': REDACTED, 'content-type': 'text/plain' });
    expect(logged.password).toBe(REDACTED);
    expect(JSON.stringify(logged)).not.toContain(unknown);
  });

  it('keeps the last four digits of a phone number in error text', () => {
    const logged = loggableError(new Error('no memories for +1 (612) 555-0142')) as Logged;
    expect(logged.message).toBe('no memories for …0142');
    expect(logged.stack).not.toContain('555-0142');
  });

  it('survives what errors carry: cycles, deep nesting, throwing getters, buffers, streams, non-errors', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { bottom: true };
    for (let i = 0; i < 20; i++) deep = { deeper: deep };
    const error = Object.assign(new Error('odd'), {
      cyclic,
      deep,
      body: Buffer.from('raw bytes'),
      stream: Readable.from(['x']),
      at: new Date(0),
      big: 12n,
    });
    Object.defineProperty(error, 'broken', {
      enumerable: true,
      get: () =>
        ((): never => {
          throw new Error('getter');
        })(),
    });

    const logged = loggableError(error) as Logged;

    expect(logged.cyclic).toEqual({ name: 'loop', self: '[circular]' });
    expect(JSON.stringify(logged.deep)).toContain('[nested too deep]');
    expect(logged).toMatchObject({
      body: '[9 bytes]',
      stream: '[Readable]',
      at: '1970-01-01T00:00:00.000Z',
      big: '12',
      broken: '[unreadable]',
    });
    expect(loggableError('a thrown string')).toBe('a thrown string');
    expect(loggableError(undefined)).toBeUndefined();
  });

  it('redacts before it shortens: a secret cut at the length limit leaves no piece behind', () => {
    const key = secret();
    rememberSecretValue(key);
    const logged = loggableError(new Error(`${'x'.repeat(3995)}${key}`)) as Logged;
    expect(logged.message).toBe(`${'x'.repeat(3995)}[reda…`);
    expect(logged.message).not.toContain(key.slice(0, 4));
  });
});

describe('redactedMessage', () => {
  it('is the message alone, redacted', () => {
    const key = secret();
    rememberSecretValue(key);
    expect(redactedMessage(new Error(`Mem0 refused ${key} for +16125550142`))).toBe(
      `Mem0 refused ${REDACTED} for …0142`,
    );
    expect(redactedMessage('not an error')).toBe('not an error');
  });
});

describe('the loggers redact an error logged as it is', () => {
  // The net under the call sites: a future `logger.error('…', error)` prints the serialised error.
  const key = secret();
  const quotedKey = `m0-${secret()}`;
  const failure = () =>
    new Error('ingest failed', {
      cause: Object.assign(new Error(`Invalid API key: ${quotedKey}`), {
        config: { headers: { Authorization: `Token ${key}` } },
      }),
    });

  it('the Lambda logger (JSON to stdout)', () => {
    const lines: string[] = [];
    const writes = [process.stdout.write, process.stderr.write];
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const tools = createPowertools('ingest');
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    for (const stream of [process.stdout, process.stderr]) {
      stream.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof stream.write;
    }
    try {
      tools.logger.error('request failed', failure());
      tools.logger.info(`a message quoting Token ${key}`);
    } finally {
      [process.stdout.write, process.stderr.write] = writes;
    }
    const [errorLine, infoLine] = lines.map((line) => JSON.parse(line));
    expect(errorLine.error).toMatchObject({
      message: 'ingest failed',
      cause: { message: `Invalid API key: ${REDACTED}`, config: { headers: { Authorization: REDACTED } } },
    });
    expect(infoLine.message).toBe(`a message quoting Token ${REDACTED}`);
    expect(lines.join('')).not.toContain(key);
    expect(lines.join('')).not.toContain(quotedKey);
  });

  it.each(['json', 'pretty'] as const)('the local stack logger (%s)', (format) => {
    const lines: string[] = [];
    const { logger } = createLocalPowertools('ingest', {
      format,
      level: 'INFO',
      colours: false,
      write: (line) => lines.push(line),
    });
    logger.error('request failed', failure());
    const all = lines.join('\n');
    expect(all).toContain(format === 'json' ? `Invalid API key: ${REDACTED}` : `← Error: Invalid API key: ${REDACTED}`);
    expect(all).not.toContain(key);
    expect(all).not.toContain(quotedKey);
  });
});
