import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createIngestHandler } from '../../lambdas/ingest/handler';
import { LOCAL_BUCKET } from '../../lambdas/local/embedded-s3';
import { HttpBridge } from '../../lambdas/local/http-bridge';
import { InProcessQueue } from '../../lambdas/local/in-process-queue';
import { createLocalPowertools, type LogFormat } from '../../lambdas/local/local-powertools';
import { startLocalStack, type LocalStack } from '../../lambdas/local/local-stack';
import { StaticSecrets, type SecretName } from '../../lambdas/shared/config';
import { signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import { httpEndpoint, readSecret } from '../../lambdas/shared/http';
import { createPowertools, type Powertools } from '../../lambdas/shared/powertools';
import { removeHome, tempHome } from '../local/local-stack-support';
import { apiGatewayEvent, lambdaContext } from '../support/http-event';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';
import {
  dynamicVariables,
  fictionalNumber,
  freshKeys,
  keyEnvironment,
  postCallTo,
  preCallTo,
  searchAt,
  send,
  testCall,
  type Answer,
} from './support/calls';

/**
 * Everything a local-stack session prints — every log line of every endpoint and of the ingest
 * worker, in both log formats, and anything a library writes to the console or to stdout/stderr —
 * over every endpoint and every error path (wrong keys, keys swapped for one another, broken
 * signatures, broken JSON, Mem0 down or refusing its key, the archive failing) holds none of the
 * keys, the HMAC secret or the Mem0 API key, not even a piece of one, and no full phone number.
 */
const AREA = 651;
const CALLERS = {
  known: fictionalNumber(AREA, 11),
  deadLettered: fictionalNumber(AREA, 12),
  unarchived: fictionalNumber(AREA, 13),
  keyRefusedAtIngest: fictionalNumber(AREA, 14),
};
/** The shortest piece of a secret that must not appear: its random part leaves no room for chance matches. */
const SECRET_PIECE = 12;

describe.each<LogFormat>(['json', 'pretty'])('what a local-stack session prints (%s logs)', (format) => {
  let home: string;
  let mem0: Mem0LoopbackServer;
  let stack: LocalStack;
  const keys = freshKeys();
  const mem0ApiKey = `m0-${randomBytes(24).toString('base64url')}`;
  const printed: string[] = [];
  const answers: Record<string, number> = {};
  const restore: Array<() => void> = [];

  beforeAll(async () => {
    captureConsole(printed, restore);
    home = await tempHome();
    mem0 = await startMem0Server({ apiKey: mem0ApiKey });
    stack = await startLocalStack({
      port: 0,
      host: '127.0.0.1',
      home,
      env: {
        ...keyEnvironment(keys),
        MEM0_API_KEY: mem0ApiKey,
        MEM0_HOST: mem0.url,
        MEMORY_DEADLINE_MS: '300',
        MEMORY_WRITE_DEADLINE_MS: '300',
      },
      log: { format, level: 'DEBUG', colours: false, write: (line) => printed.push(line) },
      ingest: { maxReceiveCount: 2, retryDelayMs: 20, maxRetryDelayMs: 40 },
    });
    await session(stack, mem0, home, keys, mem0ApiKey, answers);
    await stack.stop();
  }, 60_000);

  afterAll(async () => {
    restore.forEach((undo) => undo());
    await stack?.stop();
    await mem0.close();
    await removeHome(home);
  });

  it('went through every endpoint and every error path', () => {
    expect(answers).toEqual(EXPECTED_ANSWERS);
    const all = printed.join('\n');
    for (const sign of [
      'invalid X-Workspace-Key header',
      'missing X-Memory-Token (or X-Api-Key) header',
      'signature does not match',
      'signature timestamp is too old',
      'body is not valid JSON',
      'memory unavailable: answering as for a new caller',
      'memory search failed',
      'AuthenticationError',
      'post-call archive failed: not acknowledging',
      'pre-call archive failed; answering anyway',
      'conversation ingested',
      'ingest failed; the message will be retried',
      'payload dead-lettered',
      'GET /health 200',
      // The ingest failure is logged with its cause chain: Mem0's own error, which quoted the key.
      format === 'json' ? '"cause":{"name":"AuthenticationError"' : '← AuthenticationError',
    ]) {
      expect(all).toContain(sign);
    }
  });

  it('holds no key, no HMAC secret and no Mem0 API key, not even a piece of one', () => {
    const all = printed.join('\n');
    const secrets = { ...keys, mem0ApiKey };
    for (const [name, secret] of Object.entries(secrets)) {
      const leaked = pieces(secret).filter((piece) => all.includes(piece));
      expect({ secret: name, leaked }).toEqual({ secret: name, leaked: [] });
    }
  });

  it('holds no full phone number', () => {
    const all = printed.join('\n');
    for (const number of Object.values(CALLERS)) {
      expect({ number, found: all.includes(number.slice(1)) }).toEqual({ number, found: false });
    }
    expect(all).toContain(`+1…${CALLERS.known.slice(-4)}`);
  });
});

const EXPECTED_ANSWERS: Record<string, number> = {
  health: 200,
  'pre-call, new caller': 200,
  'post-call': 200,
  'pre-call, returning caller': 200,
  'in-call': 200,
  'pre-call, no key': 401,
  'pre-call, wrong key': 401,
  'pre-call, the in-call key': 401,
  'pre-call, the HMAC secret as key': 401,
  'pre-call, the Mem0 API key as key': 401,
  'pre-call, broken JSON': 400,
  'pre-call, not UTF-8': 400,
  'pre-call, invalid caller id': 400,
  'pre-call, body too large': 413,
  'pre-call, GET': 405,
  'unknown path': 404,
  'in-call, no key': 401,
  'in-call, the workspace key': 401,
  'in-call, broken JSON': 400,
  'in-call, empty query': 400,
  'in-call, limit out of range': 400,
  'post-call, no signature': 401,
  'post-call, signed with the workspace key': 401,
  'post-call, the secret itself as signature': 401,
  'post-call, stale signature': 401,
  'post-call, malformed signature': 401,
  'post-call, signed broken JSON': 400,
  'post-call, signed payload without conversation': 400,
  'post-call, call initiation failure': 200,
  'post-call, audio': 200,
  'pre-call, Mem0 hangs': 200,
  'in-call, Mem0 hangs': 503,
  'pre-call, Mem0 refuses the key': 200,
  'in-call, Mem0 refuses the key': 503,
  'pre-call, Mem0 answers 500': 200,
  'in-call, Mem0 resets': 503,
  'post-call, Mem0 down during ingest': 200,
  'post-call, Mem0 refuses the key during ingest': 200,
  'post-call, archive down': 503,
  'pre-call, archive down': 200,
};

/** Every endpoint, every error path; records each answer's status under its name. */
async function session(
  stack: LocalStack,
  mem0: Mem0LoopbackServer,
  home: string,
  keys: ReturnType<typeof freshKeys>,
  mem0ApiKey: string,
  answers: Record<string, number>,
): Promise<void> {
  const { url } = stack;
  const record = async (name: string, answer: Promise<Answer>) => {
    answers[name] = (await answer).status;
  };
  const preCallBody = (callerId: string) =>
    JSON.stringify({ caller_id: callerId, call_sid: `CA${randomBytes(8).toString('hex')}` });
  const withKey = (key: string) => ({ 'X-Workspace-Key': key });
  const known = testCall(CALLERS.known, 0);

  await record('health', send(stack.urls.health));
  await record('pre-call, new caller', preCallTo(url, known.callerId, keys.workspaceKey));
  await record('post-call', postCallTo(url, known.rawBody, keys.hmacKey));
  await stack.ingestIdle();
  const returning = await preCallTo(url, known.callerId, keys.workspaceKey);
  expect(dynamicVariables(returning).returning_caller).toBe('yes');
  await record('pre-call, returning caller', Promise.resolve(returning));
  await record('in-call', searchAt(url, known.callerId, known.search.query, keys.retrieveApiKey));

  // Keys missing, wrong, or swapped for one another (a misconfigured agent sends the wrong secret).
  await record('pre-call, no key', send(stack.urls.clientData, { body: preCallBody(known.callerId) }));
  await record(
    'pre-call, wrong key',
    send(stack.urls.clientData, { body: preCallBody(known.callerId), headers: withKey(`${keys.workspaceKey}x`) }),
  );
  await record(
    'pre-call, the in-call key',
    send(stack.urls.clientData, { body: preCallBody(known.callerId), headers: withKey(keys.retrieveApiKey) }),
  );
  await record(
    'pre-call, the HMAC secret as key',
    send(stack.urls.clientData, { body: preCallBody(known.callerId), headers: withKey(keys.hmacKey) }),
  );
  await record(
    'pre-call, the Mem0 API key as key',
    send(stack.urls.clientData, { body: preCallBody(known.callerId), headers: withKey(mem0ApiKey) }),
  );
  const goodKey = withKey(keys.workspaceKey);
  await record(
    'pre-call, broken JSON',
    send(stack.urls.clientData, { body: `{"caller_id":"${known.callerId}",`, headers: goodKey }),
  );
  await record(
    'pre-call, not UTF-8',
    send(stack.urls.clientData, { body: Buffer.from([0x7b, 0xff, 0x7d]), headers: goodKey }),
  );
  await record(
    'pre-call, invalid caller id',
    send(stack.urls.clientData, { body: JSON.stringify({ caller_id: `${known.callerId}<script>` }), headers: goodKey }),
  );
  await record(
    'pre-call, body too large',
    send(stack.urls.clientData, {
      body: JSON.stringify({ caller_id: known.callerId, pad: 'x'.repeat(20_000) }),
      headers: goodKey,
    }),
  );
  await record('pre-call, GET', send(stack.urls.clientData, { headers: goodKey }));
  await record(
    'unknown path',
    send(`${url}/client-data/extra`, { body: preCallBody(known.callerId), headers: goodKey }),
  );

  const searchBody = JSON.stringify({ query: 'allergy', user_id: known.callerId });
  await record('in-call, no key', send(stack.urls.retrieve, { body: searchBody }));
  await record(
    'in-call, the workspace key',
    send(stack.urls.retrieve, { body: searchBody, headers: { 'X-Api-Key': keys.workspaceKey } }),
  );
  const retrieveKey = { 'X-Api-Key': keys.retrieveApiKey };
  await record('in-call, broken JSON', send(stack.urls.retrieve, { body: '{"query":', headers: retrieveKey }));
  await record(
    'in-call, empty query',
    send(stack.urls.retrieve, { body: JSON.stringify({ query: ' ', user_id: known.callerId }), headers: retrieveKey }),
  );
  await record(
    'in-call, limit out of range',
    send(stack.urls.retrieve, {
      body: JSON.stringify({ query: 'cake', user_id: known.callerId, limit: 500 }),
      headers: retrieveKey,
    }),
  );

  const signed = (body: string, secret: string, at = Date.now() / 1000) => ({
    'ElevenLabs-Signature': signElevenLabsPayload(body, secret, at),
  });
  const another = testCall(CALLERS.known, 1).rawBody;
  await record('post-call, no signature', send(stack.urls.postCall, { body: another }));
  await record(
    'post-call, signed with the workspace key',
    send(stack.urls.postCall, { body: another, headers: signed(another, keys.workspaceKey) }),
  );
  await record(
    'post-call, the secret itself as signature',
    send(stack.urls.postCall, {
      body: another,
      headers: { 'ElevenLabs-Signature': `t=${Math.floor(Date.now() / 1000)},v0=${keys.hmacKey}` },
    }),
  );
  await record(
    'post-call, stale signature',
    send(stack.urls.postCall, { body: another, headers: signed(another, keys.hmacKey, Date.now() / 1000 - 3600) }),
  );
  await record(
    'post-call, malformed signature',
    send(stack.urls.postCall, { body: another, headers: { 'ElevenLabs-Signature': keys.hmacKey } }),
  );
  const broken = `{"type":"post_call_transcription","data":{"conversation_id":"conv_broken","metadata":{"phone_call":{"external_number":"${known.callerId}"}}`;
  await record(
    'post-call, signed broken JSON',
    send(stack.urls.postCall, { body: broken, headers: signed(broken, keys.hmacKey) }),
  );
  const noConversation = JSON.stringify({
    type: 'post_call_transcription',
    data: { metadata: { phone_call: { external_number: known.callerId } } },
  });
  await record(
    'post-call, signed payload without conversation',
    send(stack.urls.postCall, { body: noConversation, headers: signed(noConversation, keys.hmacKey) }),
  );
  await record(
    'post-call, call initiation failure',
    postCallTo(
      url,
      JSON.stringify({
        type: 'call_initiation_failure',
        data: {
          conversation_id: 'conv_busy',
          failure_reason: 'busy',
          metadata: { type: 'twilio', body: { From: known.callerId } },
        },
      }),
      keys.hmacKey,
    ),
  );
  await record(
    'post-call, audio',
    postCallTo(
      url,
      JSON.stringify({
        type: 'post_call_audio',
        data: {
          conversation_id: known.conversationId,
          agent_id: known.agentId,
          full_audio: Buffer.from('ID3 not really audio').toString('base64'),
        },
      }),
      keys.hmacKey,
    ),
  );
  await stack.ingestIdle();

  // Mem0 down, in the ways it goes down, while callers ring and search.
  mem0.behave({ mode: 'hang' });
  await record('pre-call, Mem0 hangs', preCallTo(url, known.callerId, keys.workspaceKey));
  await record('in-call, Mem0 hangs', searchAt(url, known.callerId, 'cake', keys.retrieveApiKey));
  // Mem0 refusing the key, and quoting it back as some APIs do: the stack must not repeat it.
  mem0.behave({ mode: 'status', status: 401, body: { detail: `Invalid API key: ${mem0ApiKey}` } });
  await record('pre-call, Mem0 refuses the key', preCallTo(url, known.callerId, keys.workspaceKey));
  await record('in-call, Mem0 refuses the key', searchAt(url, known.callerId, 'cake', keys.retrieveApiKey));
  mem0.behave({ mode: 'status', status: 500 });
  await record('pre-call, Mem0 answers 500', preCallTo(url, known.callerId, keys.workspaceKey));
  mem0.behave({ mode: 'reset' });
  await record('in-call, Mem0 resets', searchAt(url, known.callerId, 'cake', keys.retrieveApiKey));
  // A call that comes in while Mem0 is down is retried, then dead-lettered.
  mem0.behave({ mode: 'status', status: 503 });
  await record(
    'post-call, Mem0 down during ingest',
    postCallTo(url, testCall(CALLERS.deadLettered, 2).rawBody, keys.hmacKey),
  );
  await stack.ingestIdle();
  // Mem0 refusing the key during ingest and quoting it back: the failure reaches the log as a whole
  // error, and its cause (Mem0's own error) carries the key in its message.
  mem0.behave({ mode: 'status', status: 401, body: { detail: `Invalid API key: ${mem0ApiKey}` } });
  await record(
    'post-call, Mem0 refuses the key during ingest',
    postCallTo(url, testCall(CALLERS.keyRefusedAtIngest, 4).rawBody, keys.hmacKey),
  );
  await stack.ingestIdle();
  mem0.behave({ mode: 'normal' });

  // The archive down: a file where the archive needs a folder makes the embedded S3 server fail
  // the write (as a full or broken disk would), for one conversation and for one caller's pre-calls.
  const unarchived = testCall(CALLERS.unarchived, 3);
  const bucket = path.join(home, 's3', LOCAL_BUCKET);
  const days = [0, 1].map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10));
  const blockers = [
    ...days.map((day) => path.join(bucket, 'post-call', 'raw', day, unarchived.conversationId)),
    path.join(bucket, 'client-data', CALLERS.unarchived),
  ];
  for (const blocker of blockers) {
    await mkdir(path.dirname(blocker), { recursive: true });
    await writeFile(blocker, 'not a folder');
  }
  await record('post-call, archive down', postCallTo(url, unarchived.rawBody, keys.hmacKey));
  await record('pre-call, archive down', preCallTo(url, CALLERS.unarchived, keys.workspaceKey));
  for (const blocker of blockers) await rm(blocker);
}

/**
 * An error that reaches a generic error handler — the endpoints' frame, the local HTTP bridge, the
 * local queue, the ingest worker, a secret that cannot be read — is logged whole (message, stack,
 * cause chain, an AggregateError's errors, enumerable properties such as an HTTP client's
 * `config.headers`) and without any secret the process holds, any credential it quotes and any full
 * phone number, whichever logger prints it: the Lambda's, or the local stack's JSON or pretty one.
 */
describe.each<[string, (write: (line: string) => void) => Powertools]>([
  [
    'the Lambda logger',
    () => {
      process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
      const tools = createPowertools('client-data');
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      return tools;
    },
  ],
  ['the local JSON logger', (write) => createLocalPowertools('client-data', { format: 'json', level: 'DEBUG', write })],
  [
    'the local pretty logger',
    (write) => createLocalPowertools('client-data', { format: 'pretty', level: 'DEBUG', colours: false, write }),
  ],
])('an error carrying secrets in its cause chain, logged by %s', (_logger, powertoolsWriting) => {
  /** What the handlers hold, read through Secrets as they read them: some shaped like keys, some not. */
  const held: Record<SecretName, string> = {
    mem0ApiKey: `m0-${randomBytes(24).toString('base64url')}`,
    hmacKey: randomBytes(32).toString('hex'),
    workspaceKey: randomBytes(24).toString('base64url'),
    retrieveApiKey: randomBytes(24).toString('base64url'),
    memoryTokenKey: randomBytes(32).toString('base64url'),
    elevenLabsApiKey: `sk_${randomBytes(24).toString('hex')}`,
  };
  /** Credentials this process never held, quoted back by an upstream: caught by where they stand. */
  const quoted = { header: randomBytes(18).toString('base64url'), urlToken: randomBytes(16).toString('hex') };
  const caller = fictionalNumber(AREA, 20);
  const printed: string[] = [];
  const restore: Array<() => void> = [];
  const answers: Record<string, number | string> = {};

  beforeAll(async () => {
    captureConsole(printed, restore);
    const tools = powertoolsWriting((line) => printed.push(line));
    const secrets = new StaticSecrets(held);
    const readEverySecret = async () => {
      for (const name of Object.keys(held) as SecretName[]) await secrets.get(name);
    };

    const endpoint = httpEndpoint(tools, async () => {
      await readEverySecret();
      throw failureQuoting(held, quoted, caller);
    });
    answers.endpoint = (await endpoint(apiGatewayEvent({ body: {} }), lambdaContext('client-data'))).statusCode;

    const unreadable = httpEndpoint(tools, async () => {
      await readSecret({ get: async () => Promise.reject(failureQuoting(held, quoted, caller)) }, 'hmacKey', tools);
      return { statusCode: 200, headers: {}, body: '{}' };
    });
    answers.secret = (await unreadable(apiGatewayEvent({ body: {} }), lambdaContext('client-data'))).statusCode;

    const bridge = new HttpBridge(
      [
        {
          method: 'POST',
          path: '/fails',
          functionName: 'agentic-memory-client-data',
          handler: async () => {
            await readEverySecret();
            throw failureQuoting(held, quoted, caller);
          },
        },
      ],
      tools.logger,
    );
    try {
      const port = await bridge.listen(0, '127.0.0.1');
      answers.bridge = (await fetch(`http://127.0.0.1:${port}/fails`, { method: 'POST', body: '{}' })).status;
    } finally {
      await bridge.close();
    }

    const ingest = createIngestHandler({
      tools,
      ingestArchivedPayload: async () => {
        await readEverySecret();
        throw failureQuoting(held, quoted, caller);
      },
    });
    const record = {
      Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'post-call/raw/2026-12-01/conv_1/x.json' } } }],
    };
    const queue = new InProcessQueue({
      name: 'agentic-memory-ingest',
      functionName: 'agentic-memory-ingest',
      functionTimeoutMs: 1000,
      batchSize: 10,
      maxReceiveCount: 1,
      retryDelayMs: 5,
      maxRetryDelayMs: 5,
      logger: tools.logger,
      // The worker as deployed (a failed record is reported, not thrown), then a worker that crashes.
      handler: async (event, context) => {
        const response = await ingest(event, context);
        if (response.batchItemFailures.length > 0) throw failureQuoting(held, quoted, caller);
        return response;
      },
      onDelivered: async () => undefined,
      onDeadLetter: async (_message, reason) => void (answers.deadLetterReason = reason),
    });
    queue.send(JSON.stringify(record));
    await queue.idle();
    await queue.stop();
  });

  afterAll(() => restore.forEach((undo) => undo()));

  it('went through every generic error handler', () => {
    expect(answers).toMatchObject({ endpoint: 500, secret: 503, bridge: 500 });
    const all = printed.join('\n');
    for (const sign of [
      'request failed',
      'secret unavailable',
      'agentic-memory-client-data failed',
      'ingest failed; the message will be retried',
      'agentic-memory-ingest failed; the whole batch will be retried',
      // The whole error, not only its message: the cause chain down to the AggregateError.
      'memory write failed',
      'TypeError',
      'AggregateError',
      '[redacted]',
    ]) {
      expect(all).toContain(sign);
    }
  });

  it('logs no secret, no quoted credential and no full phone number, not even a piece of one', () => {
    const all = [...printed, String(answers.deadLetterReason)].join('\n');
    for (const [name, secret] of Object.entries({ ...held, ...quoted })) {
      const leaked = pieces(secret).filter((piece) => all.includes(piece));
      expect({ secret: name, leaked }).toEqual({ secret: name, leaked: [] });
    }
    expect(all).not.toContain(caller.slice(1));
  });
});

/**
 * A failure as an upstream client reports it: the request it sent (API key in the headers and the
 * URL), the answer it got (quoting the key), a retry wrapper's AggregateError and a network error
 * between them, the caller's phone number along the way.
 */
function failureQuoting(
  held: Record<SecretName, string>,
  quoted: { header: string; urlToken: string },
  caller: string,
): Error {
  const refused = Object.assign(new Error(`{"detail":"Invalid API key: ${held.mem0ApiKey}"}`), {
    name: 'AuthenticationError',
    errorCode: 'HTTP_401',
    config: {
      url: `https://api.elevenlabs.io/v1/convai/conversations/conv_1/audio?xi-api-key=${held.elevenLabsApiKey}&token=${quoted.urlToken}`,
      headers: {
        Authorization: `Token ${held.mem0ApiKey}`,
        'xi-api-key': held.elevenLabsApiKey,
        'x-client-credential': quoted.header,
      },
      data: JSON.stringify({ user_id: caller, query: 'allergy' }),
    },
    response: { status: 401, headers: new Headers({ 'x-echo-authorization': `Bearer ${held.memoryTokenKey}` }) },
  });
  const retried = new AggregateError(
    [refused, new Error(`second attempt: workspace key ${held.workspaceKey} refused for ${caller}`)],
    `every attempt failed for ${caller}`,
  );
  const network = Object.assign(new TypeError(`fetch failed (signing with ${held.hmacKey})`, { cause: retried }), {
    code: 'ECONNRESET',
    retrieveKey: held.retrieveApiKey,
  });
  return new Error('memory write failed', { cause: network });
}

/** Every piece of `secret` of SECRET_PIECE characters. */
function pieces(secret: string): string[] {
  const all: string[] = [];
  for (let start = 0; start + SECRET_PIECE <= secret.length; start++)
    all.push(secret.slice(start, start + SECRET_PIECE));
  return all;
}

/** Whatever anything writes to the console, stdout or stderr, into `sink`, until the undos run. */
function captureConsole(sink: string[], undo: Array<() => void>): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      sink.push(
        args
          .map((arg) =>
            arg instanceof Error
              ? `${arg.stack ?? arg.message} ${String(arg.cause ?? '')}`
              : typeof arg === 'string'
                ? arg
                : safeJson(arg),
          )
          .join(' '),
      );
    };
    undo.push(() => (console[method] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    undo.push(() => (stream.write = original));
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
