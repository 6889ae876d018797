import { TestBed, RETRIEVE_KEY, json } from '../../support/test-bed';
import { SCHEDULING_SLACK_MS } from '../../support/timing';

const MARGARET = '+16125550142';
const DANIEL = '+14155550123';

describe('retrieve (in-call search)', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start({ env: { MEMORY_DEADLINE_MS: '300' } });
    bed.mem0.seed({
      userId: MARGARET,
      memory: 'Grew up in Duluth, Minnesota',
      metadata: { type: 'semantic', conversation_id: 'c1' },
    });
    bed.mem0.seed({
      userId: MARGARET,
      memory: 'Her granddaughter Lily studies marine biology',
      metadata: { type: 'semantic' },
    });
    bed.mem0.seed({ userId: MARGARET, memory: 'Enjoys gardening on weekends', metadata: { type: 'semantic' } });
    bed.mem0.seed({ userId: DANIEL, memory: 'Grew up in Lagos; allergic to peanuts', metadata: { type: 'semantic' } });
  });
  afterAll(() => bed.stop());
  afterEach(() => bed.mem0.behave({ mode: 'normal' }));

  const memories = (response: { body: string }) =>
    json(response).memories as Array<{ id: string; memory: string; score: number; metadata: Record<string, unknown> }>;

  it('answers the ranked memories of that caller, with id, text, score and metadata', async () => {
    const response = await bed.callRetrieve({ query: 'where did she grow up', user_id: MARGARET });
    expect(response.statusCode).toBe(200);
    const found = memories(response);
    expect(found[0]).toMatchObject({
      memory: 'Grew up in Duluth, Minnesota',
      metadata: { type: 'semantic', conversation_id: 'c1' },
    });
    expect(found[0].score).toBeGreaterThan(0);
    expect(found[0].score).toBeLessThanOrEqual(1);
    expect(found[0].id).toEqual(expect.any(String));
  });

  it("never returns another caller's memories, and filters by caller at the store", async () => {
    bed.mem0.requests.length = 0;
    const found = memories(await bed.callRetrieve({ query: 'grew up', user_id: MARGARET, limit: 50 }));
    expect(found.map((m) => m.memory).join(' ')).not.toContain('Lagos');
    const search = bed.mem0.requests.find((r) => r.path === '/v3/memories/search/');
    expect(search?.body).toMatchObject({ filters: { user_id: MARGARET } });
  });

  it('normalises user_id like caller_id', async () => {
    const found = memories(await bed.callRetrieve({ query: 'gardening', user_id: '+1 612-555-0142' }));
    expect(found[0].memory).toBe('Enjoys gardening on weekends');
  });

  it('answers 200 with an empty list when nothing matches', async () => {
    const response = await bed.callRetrieve({ query: 'submarine', user_id: '+19995550000' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ memories: [] });
  });

  it('honours the limit, as a number or a numeric string', async () => {
    expect(
      memories(await bed.callRetrieve({ query: 'grew up gardening granddaughter', user_id: MARGARET, limit: 1 })),
    ).toHaveLength(1);
    expect(
      memories(await bed.callRetrieve({ query: 'grew up gardening granddaughter', user_id: MARGARET, limit: '2' })),
    ).toHaveLength(2);
  });

  it.each([
    ['no header', {}, 401],
    ['a wrong key', { 'x-api-key': 'nope' }, 401],
  ])('answers %s with 401', async (_, headers, status) => {
    const response = await bed.callRetrieve({ query: 'x', user_id: MARGARET }, headers);
    expect(response.statusCode).toBe(status);
  });

  it.each([
    ['an empty query', { query: '  ', user_id: MARGARET }, 'query'],
    ['a query over 1000 characters', { query: 'q'.repeat(1001), user_id: MARGARET }, 'query'],
    ['a query that is not a string', { query: 42, user_id: MARGARET }, 'query'],
    ['no user_id', { query: 'x' }, 'user_id'],
    ['an unparseable user_id', { query: 'x', user_id: 'drop table;' }, 'user_id'],
    ['limit 0', { query: 'x', user_id: MARGARET, limit: 0 }, 'limit'],
    ['limit 51', { query: 'x', user_id: MARGARET, limit: 51 }, 'limit'],
    ['a fractional limit', { query: 'x', user_id: MARGARET, limit: 2.5 }, 'limit'],
    ['a word for a limit', { query: 'x', user_id: MARGARET, limit: 'ten' }, 'limit'],
  ])('answers 400 for %s, naming the field, without asking the store', async (_, body, field) => {
    const before = bed.mem0.requests.length;
    const response = await bed.callRetrieve(body);
    expect(response.statusCode).toBe(400);
    expect(json(response).error).toContain(field);
    expect(bed.mem0.requests.length).toBe(before);
  });

  it('answers a fast 503 when memory hangs', async () => {
    bed.mem0.behave({ mode: 'hang' });
    const started = performance.now();
    const response = await bed.callRetrieve({ query: 'Duluth', user_id: MARGARET });
    expect(response.statusCode).toBe(503);
    expect(json(response)).toEqual({ error: 'memory temporarily unavailable' });
    expect(performance.now() - started).toBeLessThan(300 + SCHEDULING_SLACK_MS);
  });

  it('answers 503 when Mem0 refuses, and recovers when it is back', async () => {
    bed.mem0.behave({ mode: 'status', status: 502, times: 1 });
    expect((await bed.callRetrieve({ query: 'Duluth', user_id: MARGARET })).statusCode).toBe(503);
    expect((await bed.callRetrieve({ query: 'Duluth', user_id: MARGARET })).statusCode).toBe(200);
  });
});

describe('retrieve without the key check', () => {
  it('takes explicit configuration to turn the key check off', async () => {
    const open = await TestBed.start({ env: { RETRIEVE_AUTH: 'key', RETRIEVE_REQUIRE_API_KEY: 'false' } });
    try {
      expect((await open.callRetrieve({ query: 'x', user_id: MARGARET }, {})).statusCode).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('refuses to turn the key check off unless the static key is the only credential', async () => {
    await expect(TestBed.start({ env: { RETRIEVE_REQUIRE_API_KEY: 'false' } })).rejects.toThrow(
      /RETRIEVE_REQUIRE_API_KEY.*RETRIEVE_AUTH=key/,
    );
  });

  it('checks the key by default', async () => {
    const bed = await TestBed.start();
    try {
      expect((await bed.callRetrieve({ query: 'x', user_id: MARGARET }, {})).statusCode).toBe(401);
      expect(
        (await bed.callRetrieve({ query: 'x', user_id: MARGARET }, { 'X-API-KEY': RETRIEVE_KEY })).statusCode,
      ).toBe(200);
    } finally {
      await bed.stop();
    }
  });
});
