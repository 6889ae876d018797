import fc from 'fast-check';
import type { Archive } from '../../lambdas/shared/archive';
import type { CallerId } from '../../lambdas/shared/caller';
import type { HttpResponse } from '../../lambdas/shared/http';
import { signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import { apiGatewayEvent, lambdaContext } from '../support/http-event';
import { MEMORY_BACKENDS_UNDER_TEST } from '../support/memory-peers';
import { TEST_WEBHOOK_SECRET } from '../support/signing';
import { RETRIEVE_KEY, TestBed, WORKSPACE_KEY } from '../support/test-bed';

/**
 * Every endpoint against generated hostile and near-valid requests: each answer is a clear 4xx
 * or a correct 2xx — never a 5xx, a crash or a hang — and a 4xx writes nothing anywhere. The two
 * endpoints that read memories run against each memory backend (what a hostile caller id becomes
 * is the backend's business: a Mem0 filter, an AgentCore actor id and namespace); post-call
 * touches no memory store and runs once.
 */
const RUNS = 1000;
const KNOWN_CALLER = '+16125550142';
const HANG_LIMIT_MS = 5000;

class CountingArchive implements Archive {
  writes = 0;
  constructor(private readonly real: Archive) {}
  putJson(key: string, body: string | Buffer) {
    this.writes++;
    return this.real.putJson(key, body);
  }
  putAudio(key: string, mp3: Buffer) {
    this.writes++;
    return this.real.putAudio(key, mp3);
  }
  getText(key: string) {
    return this.real.getText(key);
  }
}

const oddStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '+',
    '00',
    '+1\u0000612',
    '‮+16125550142',
    '+١٦١٢٥٥٥٠١٤٢',
    '__proto__',
    'constructor',
    '../../x',
    '𝓜𝓪𝓻𝓰𝓪𝓻𝓮𝓽',
  ),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const phoneLike = fc.oneof(
  fc.constantFrom('+16125550142', '+1 (612) 555-0142', '0044 20 7946 0958', 'crm-42', 'user@example.com'),
  fc.stringMatching(/^\+[1-9]\d{6,14}$/),
  fc.stringMatching(/^[A-Za-z0-9_.:@+-]{1,128}$/),
);
/** Mostly the valid value, sometimes anything at all. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: anyValue, weight: 1 });
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  oddStrings,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);
const deeplyNested = fc.integer({ min: 50, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const protoPollution = fc.constantFrom(
  '{"__proto__":{"caller_id":"+16125550142"}}',
  '{"constructor":{"prototype":{"isAdmin":true}},"caller_id":"+16125550142"}',
  '{"caller_id":"+16125550142","__proto__":{"toString":1}}',
  '{"query":"x","user_id":"+16125550142","__proto__":{"limit":500}}',
);
const invalidUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) =>
    Buffer.concat([Buffer.from('{"caller_id":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
  );

/** Bodies: garbage, near-valid objects with one field broken, and the hostile shapes above. */
function bodies(nearValid: fc.Arbitrary<Record<string, unknown>>) {
  return fc.oneof(
    fc.string().map((s) => Buffer.from(s)),
    fc.json().map((s) => Buffer.from(s)),
    { arbitrary: nearValid.map((o) => Buffer.from(JSON.stringify(o))), weight: 6 },
    deeplyNested.map((s) => Buffer.from(s)),
    protoPollution.map((s) => Buffer.from(s)),
    invalidUtf8,
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  );
}

const headerValues = fc.oneof(
  oddStrings.filter((s) => !/[\r\n]/.test(s)),
  fc.constant('a'.repeat(20000)),
);

describe.each(MEMORY_BACKENDS_UNDER_TEST)('hostile input (memory in %s)', (backend) => {
  let bed: TestBed;
  let archive: CountingArchive;
  beforeAll(async () => {
    bed = await TestBed.start({
      memory: backend,
      env: { MEMORY_DEADLINE_MS: '1000' },
      archive: (real) => (archive = new CountingArchive(real)),
    });
    // One generated caller id is known: near-valid requests for it render a returning caller's memories.
    await bed.memory.store().add(KNOWN_CALLER as CallerId, {
      kind: 'text',
      text: 'Caller profile. user name: Zoë',
      metadata: { type: 'profile', conversation_id: 'conv_hostile_known', profile: { user_name: 'Zoë' } },
    });
  });
  afterAll(() => bed.stop());

  async function answer(call: () => Promise<HttpResponse>): Promise<HttpResponse> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('request hung')), HANG_LIMIT_MS);
    });
    try {
      return await Promise.race([call(), hang]);
    } finally {
      clearTimeout(timer);
    }
  }

  const statuses: number[] = [];
  beforeEach(() => (statuses.length = 0));
  /** A property that only ever saw refusals would prove little: each run must reach both paths. */
  afterEach(() => {
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(RUNS / 50);
    expect(statuses.filter((s) => s >= 400).length).toBeGreaterThan(RUNS / 2);
  });

  /** The invariant every generated request must hold. */
  async function holds(call: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const writesBefore = archive.writes;
    const memoryWritesBefore = bed.memory.writeRequests();
    const response = await answer(call);
    statuses.push(response.statusCode);
    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    expect(response.statusCode).toBeLessThan(500);
    const body = JSON.parse(response.body) as { error?: string };
    if (response.statusCode >= 400) {
      expect(typeof body.error).toBe('string');
      expect(body.error!.length).toBeGreaterThan(3);
      expect(archive.writes).toBe(writesBefore);
    }
    expect(bed.memory.writeRequests()).toBe(memoryWritesBefore);
    return response;
  }

  it(`client-data: ${RUNS} generated requests`, async () => {
    const nearValid = fc.record(
      {
        caller_id: mostly(phoneLike),
        agent_id: mostly(fc.string({ maxLength: 40 })),
        called_number: anyValue,
        call_sid: mostly(fc.string({ maxLength: 40 })),
      },
      { requiredKeys: ['caller_id'] },
    );
    const keyHeader = fc.oneof(
      { arbitrary: fc.constant<Record<string, string>>({ 'x-workspace-key': WORKSPACE_KEY }), weight: 3 },
      fc.constant<Record<string, string>>({ 'x-workspace-key': `${WORKSPACE_KEY},${WORKSPACE_KEY}` }),
      fc.constant<Record<string, string>>({}),
      headerValues.map((v) => ({ 'x-workspace-key': v })),
    );
    await fc.assert(
      fc.asyncProperty(bodies(nearValid), keyHeader, fc.boolean(), async (body, headers, base64) => {
        const response = await holds(() =>
          bed.clientData(apiGatewayEvent({ body, headers, base64 }), lambdaContext('client-data')),
        );
        if (response.statusCode === 200) {
          const variables = (JSON.parse(response.body) as { dynamic_variables: Record<string, unknown> })
            .dynamic_variables;
          expect(Object.values(variables).every((v) => typeof v === 'string')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    // A pre-call answers 200 even when memory fails: the known caller proves the reads worked here.
    const known = await bed.clientData(
      apiGatewayEvent({ body: { caller_id: KNOWN_CALLER }, headers: { 'x-workspace-key': WORKSPACE_KEY } }),
      lambdaContext('client-data'),
    );
    expect(JSON.parse(known.body).dynamic_variables).toMatchObject({ returning_caller: 'yes', caller_name: 'Zoë' });
  });

  it(`retrieve: ${RUNS} generated requests`, async () => {
    const nearValid = fc.record(
      {
        query: mostly(fc.string({ minLength: 1, maxLength: 50 })),
        user_id: mostly(phoneLike),
        limit: mostly(fc.integer({ min: -5, max: 80 })),
      },
      { requiredKeys: ['query', 'user_id'] },
    );
    const keyHeader = fc.oneof(
      { arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': RETRIEVE_KEY }), weight: 3 },
      fc.constant<Record<string, string>>({}),
      headerValues.map((v) => ({ 'x-api-key': v })),
    );
    await fc.assert(
      fc.asyncProperty(bodies(nearValid), keyHeader, fc.boolean(), async (body, headers, base64) => {
        const response = await holds(() =>
          bed.retrieve(apiGatewayEvent({ body, headers, base64 }), lambdaContext('retrieve')),
        );
        if (response.statusCode === 200) expect(Array.isArray(JSON.parse(response.body).memories)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  // post-call archives and answers the same whatever the memory backend: defined once, on the first.
  if (backend !== MEMORY_BACKENDS_UNDER_TEST[0]) return;
  it(`post-call: ${RUNS} generated requests, signed and unsigned`, async () => {
    const nearValid = fc.record(
      {
        type: mostly(
          fc.constantFrom('post_call_transcription', 'post_call_audio', 'call_initiation_failure', 'post_call_future'),
        ),
        event_timestamp: anyValue,
        data: fc.oneof(
          anyValue,
          fc.record(
            {
              conversation_id: mostly(fc.stringMatching(/^conv_[a-z0-9]{4,20}$/)),
              full_audio: mostly(fc.base64String({ maxLength: 40 })),
              transcript: anyValue,
              metadata: anyValue,
              analysis: anyValue,
            },
            { requiredKeys: ['conversation_id'] },
          ),
        ),
      },
      { requiredKeys: ['type', 'data'] },
    );
    const now = Math.floor(Date.now() / 1000);
    const brokenSignatures = fc.oneof(
      headerValues,
      fc.constantFrom(
        't=,v0=',
        'v0=abc',
        `t=${now}`,
        `t=${now},v0=`,
        `t=${now},v0=${'0'.repeat(64)}`,
        `t=abc,v0=${'a'.repeat(64)}`,
        `t=${now},t=${now},v0=${'a'.repeat(64)}`,
        `t=-1,v0=${'a'.repeat(64)}`,
        `t=1e10,v0=${'a'.repeat(64)}`,
      ),
      fc.integer().map((t) => `t=${t},v0=${'f'.repeat(64)}`),
    );
    await fc.assert(
      fc.asyncProperty(
        bodies(nearValid),
        fc.oneof({ arbitrary: fc.constant('sign'), weight: 3 }, { arbitrary: brokenSignatures, weight: 2 }),
        fc.boolean(),
        async (body, signature, base64) => {
          const header = signature === 'sign' ? signElevenLabsPayload(body, TEST_WEBHOOK_SECRET, now) : signature;
          const response = await holds(() =>
            bed.postCall(
              apiGatewayEvent({ body, headers: { 'elevenlabs-signature': header }, base64 }),
              lambdaContext('post-call'),
            ),
          );
          if (signature !== 'sign') expect(response.statusCode).toBe(401);
          if (response.statusCode === 200) expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
