import { demoCall } from '../../../lambdas/local/demo-call';
import { mintMemoryToken, verifyMemoryToken, type CallerId } from '../../../lambdas/shared/caller';
import { METRIC } from '../../../lambdas/shared/powertools';
import { MEMORY_TOKEN_KEY, RETRIEVE_KEY, TestBed, json } from '../../support/test-bed';

/**
 * Whose memory a call reaches, end to end through the real handlers, the real mem0ai client
 * against the loopback Mem0 server, s3rver and dynalite.
 */
const ALICE_SAYS = { callerName: 'Alice Moreau' };

function postCallFrom(callerId: string, agentId = 'agent_bakery', name = ALICE_SAYS.callerName) {
  const call = demoCall({ callerId, callerName: name });
  (call.payload.data as Record<string, unknown>).agent_id = agentId;
  return call.payload;
}

const variables = (response: { body: string }) => json(response).dynamic_variables as Record<string, string>;
const found = (response: { body: string }) =>
  (json(response).memories as Array<{ memory: string }>).map((m) => m.memory);

describe('withheld numbers are nobody', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start();
  });
  afterAll(() => bed.stop());

  it.each(['anonymous', '+266696687', 'Restricted', ''])(
    'a post-call from %p is archived but never remembered, so the next withheld caller is a stranger',
    async (withheld) => {
      const payload = postCallFrom(withheld === '' ? 'anonymous' : withheld);
      expect((await bed.deliverPostCall(payload)).statusCode).toBe(200);
      const archived = await bed.s3.listKeys('post-call/raw/');
      expect(archived.length).toBeGreaterThan(0);
      bed.mem0.requests.length = 0;
      await bed.drainIngest();
      expect(bed.mem0.requests.filter((r) => r.path === '/v3/memories/add/')).toEqual([]);

      bed.mem0.requests.length = 0;
      const metrics = jest.spyOn(bed.tools.clientData.metrics, 'addMetric');
      const logged = jest.spyOn(bed.tools.clientData.logger, 'info');
      const answer = await bed.callClientData({ caller_id: withheld, agent_id: 'agent_bakery', call_sid: 'CAx' });
      expect(answer.statusCode).toBe(200);
      expect(variables(answer)).toMatchObject({ returning_caller: 'no', caller_name: '', memory_count: '0' });
      // Answered without reading memory at all.
      expect(bed.mem0.requests.filter((r) => r.path.startsWith('/v3/memories'))).toEqual([]);
      expect(metrics).toHaveBeenCalledWith(METRIC.withheldCallerIds, expect.anything(), 1);
      expect(logged).toHaveBeenCalledWith('pre-call answered', expect.objectContaining({ identity: 'withheld' }));
      metrics.mockRestore();
      logged.mockRestore();
    },
  );

  it('a withheld number in the fallback position does not hand the call to a later id', async () => {
    const payload = postCallFrom('anonymous');
    const data = payload.data as Record<string, unknown>;
    (data.metadata as Record<string, Record<string, unknown>>).phone_call.external_number = 'anonymous';
    data.user_id = 'web-user-7';
    await bed.deliverPostCall(payload);
    await bed.drainIngest();
    expect(bed.mem0.memoriesOf('web-user-7')).toEqual([]);
  });

  it('a search for a withheld user_id finds nothing, with the key or with a token', async () => {
    bed.mem0.seed({ userId: 'anonymous', memory: 'My name is Alice', metadata: { type: 'semantic' } });
    bed.mem0.requests.length = 0;
    const byKey = await bed.callRetrieve({ query: 'name', user_id: 'anonymous' });
    expect(byKey.statusCode).toBe(200);
    expect(found(byKey)).toEqual([]);
    const token = variables(await bed.callClientData({ caller_id: 'anonymous' })).secret__memory_token;
    const byToken = await bed.callRetrieve({ query: 'name', user_id: 'anonymous' }, { 'x-memory-token': token });
    expect(byToken.statusCode).toBe(200);
    expect(found(byToken)).toEqual([]);
    expect(bed.mem0.requests.filter((r) => r.path === '/v3/memories/search/')).toEqual([]);
  });
});

describe('the per-call memory token', () => {
  const MARGARET = '+16125550142';
  const DANIEL = '+14155550123';
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start({ env: { MEMORY_DEADLINE_MS: '500' } });
    bed.mem0.seed({ userId: MARGARET, memory: 'Grew up in Duluth, Minnesota', metadata: { type: 'semantic' } });
    bed.mem0.seed({ userId: DANIEL, memory: 'Grew up in Lagos', metadata: { type: 'semantic' } });
  });
  afterAll(() => bed.stop());

  const tokenFor = async (callerId: string, agentId = 'agent_bakery') =>
    variables(await bed.callClientData({ caller_id: callerId, agent_id: agentId })).secret__memory_token;
  const searchWith = (token: string, body: Record<string, unknown> = { query: 'grew up' }) =>
    bed.callRetrieve(body, { 'x-memory-token': token });

  it('is minted by the pre-call for the caller and agent, expiring in two hours by default', async () => {
    const before = Date.now();
    const check = verifyMemoryToken(MEMORY_TOKEN_KEY, await tokenFor(MARGARET));
    expect(check.ok && check.claims).toMatchObject({ identity: MARGARET, agentId: 'agent_bakery' });
    const expiresAt = check.ok ? check.claims.expiresAt * 1000 : 0;
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7200_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7200_000);
  });

  it("searches the token's caller with no user_id at all", async () => {
    const response = await searchWith(await tokenFor(MARGARET));
    expect(response.statusCode).toBe(200);
    expect(found(response)).toEqual(['Grew up in Duluth, Minnesota']);
  });

  it("refuses with 403, searching nothing, a user_id that is not the token's caller", async () => {
    bed.mem0.requests.length = 0;
    const response = await searchWith(await tokenFor(MARGARET), { query: 'grew up', user_id: DANIEL });
    expect(response.statusCode).toBe(403);
    expect(json(response).error ?? json(response).message).toMatch(/user_id/);
    expect(bed.mem0.requests.filter((r) => r.path === '/v3/memories/search/')).toEqual([]);
  });

  it('accepts a user_id that matches, however it is written', async () => {
    const response = await searchWith(await tokenFor(MARGARET), { query: 'grew up', user_id: '+1 (612) 555-0142' });
    expect(found(response)).toEqual(['Grew up in Duluth, Minnesota']);
  });

  it("refuses with 403 an agent_id that is not the token's agent", async () => {
    const response = await searchWith(await tokenFor(MARGARET), { query: 'grew up', agent_id: 'agent_other' });
    expect(response.statusCode).toBe(403);
  });

  it.each([
    ['tampered', async () => (await tokenFor(MARGARET)).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    [
      'expired',
      async () => mintMemoryToken(MEMORY_TOKEN_KEY, { identity: MARGARET as CallerId, agentId: null, expiresAt: 1 }),
    ],
    [
      'foreign (another deployment)',
      async () =>
        mintMemoryToken('mtk_someone_elses_key', {
          identity: DANIEL as CallerId,
          agentId: null,
          expiresAt: Date.now() / 1000 + 60,
        }),
    ],
    ['garbage', async () => 'not-a-token'],
  ])('answers a %s token with 401 and searches nothing', async (_, token) => {
    bed.mem0.requests.length = 0;
    const metrics = jest.spyOn(bed.tools.retrieve.metrics, 'addMetric');
    const response = await searchWith(await token());
    expect(response.statusCode).toBe(401);
    expect(json(response).error ?? json(response).message).toMatch(/X-Memory-Token/);
    expect(bed.mem0.requests.filter((r) => r.path === '/v3/memories/search/')).toEqual([]);
    expect(metrics).toHaveBeenCalledWith(METRIC.memoryTokenRejections, expect.anything(), 1);
    metrics.mockRestore();
  });

  it('does not fall back to the static key when a token is presented and bad', async () => {
    const response = await bed.callRetrieve(
      { query: 'grew up', user_id: MARGARET },
      { 'x-memory-token': 'am1.bad.token', 'x-api-key': RETRIEVE_KEY },
    );
    expect(response.statusCode).toBe(401);
  });

  it('with neither a token nor the key, answers 401 naming the token header', async () => {
    const response = await bed.callRetrieve({ query: 'grew up', user_id: MARGARET }, {});
    expect(response.statusCode).toBe(401);
    expect(JSON.stringify(json(response))).toMatch(/X-Memory-Token/);
  });

  it('still lets the static key search by user_id in the default token-or-key mode (web calls)', async () => {
    const response = await bed.callRetrieve({ query: 'grew up', user_id: DANIEL });
    expect(found(response)).toEqual(['Grew up in Lagos']);
  });

  it('without a user_id, the static key is a 400 naming the field', async () => {
    const response = await bed.callRetrieve({ query: 'grew up' });
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(json(response))).toMatch(/user_id/);
  });
});

describe('retrieveAuth modes', () => {
  const MARGARET = '+16125550142';
  it('token: the static key is refused, the token works', async () => {
    const bed = await TestBed.start({ env: { RETRIEVE_AUTH: 'token' } });
    try {
      bed.mem0.seed({ userId: MARGARET, memory: 'Grew up in Duluth', metadata: { type: 'semantic' } });
      expect((await bed.callRetrieve({ query: 'grew up', user_id: MARGARET })).statusCode).toBe(401);
      const token = variables(await bed.callClientData({ caller_id: MARGARET })).secret__memory_token;
      const response = await bed.callRetrieve({ query: 'grew up' }, { 'x-memory-token': token });
      expect(found(response)).toEqual(['Grew up in Duluth']);
    } finally {
      await bed.stop();
    }
  });

  it('key: today’s behaviour, the token header is not a credential', async () => {
    const bed = await TestBed.start({ env: { RETRIEVE_AUTH: 'key' } });
    try {
      bed.mem0.seed({ userId: MARGARET, memory: 'Grew up in Duluth', metadata: { type: 'semantic' } });
      const token = variables(await bed.callClientData({ caller_id: MARGARET })).secret__memory_token;
      expect((await bed.callRetrieve({ query: 'grew up' }, { 'x-memory-token': token })).statusCode).toBe(401);
      expect(found(await bed.callRetrieve({ query: 'grew up', user_id: MARGARET }))).toEqual(['Grew up in Duluth']);
    } finally {
      await bed.stop();
    }
  });

  it('refuses an unknown mode at configuration time, naming the variable', async () => {
    await expect(TestBed.start({ env: { RETRIEVE_AUTH: 'open' } })).rejects.toThrow(/RETRIEVE_AUTH/);
  });
});

describe('memory scope: one business never meets another', () => {
  const CALLER = '+16125550142';

  it('agent scope keeps one number’s memories apart per agent: pre-call, search and ingest', async () => {
    const bed = await TestBed.start({ env: { MEMORY_SCOPE: 'agent' } });
    try {
      await bed.deliverPostCall(postCallFrom(CALLER, 'agent_clinic', 'Alice Moreau'));
      await bed.drainIngest();
      expect(bed.mem0.memoriesOf(`agent_clinic/${CALLER}`).length).toBeGreaterThan(0);
      expect(bed.mem0.memoriesOf(CALLER)).toEqual([]);

      const clinic = variables(await bed.callClientData({ caller_id: CALLER, agent_id: 'agent_clinic' }));
      const hotel = variables(await bed.callClientData({ caller_id: CALLER, agent_id: 'agent_hotel' }));
      expect(clinic).toMatchObject({ returning_caller: 'yes', caller_name: 'Alice Moreau' });
      expect(hotel).toMatchObject({ returning_caller: 'no', caller_name: '' });

      const clinicSearch = await bed.callRetrieve({ query: 'cake' }, { 'x-memory-token': clinic.secret__memory_token });
      const hotelSearch = await bed.callRetrieve({ query: 'cake' }, { 'x-memory-token': hotel.secret__memory_token });
      expect(found(clinicSearch).length).toBeGreaterThan(0);
      expect(found(hotelSearch)).toEqual([]);
    } finally {
      await bed.stop();
    }
  });

  it('a scope map groups agents, and a call of an agent outside it is archived, not memorised', async () => {
    const bed = await TestBed.start({
      env: { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: '{"clinic": ["agent_front_desk", "agent_nurse_line"]}' },
    });
    try {
      await bed.deliverPostCall(postCallFrom(CALLER, 'agent_front_desk'));
      await bed.deliverPostCall(postCallFrom(CALLER, 'agent_stranger'));
      await bed.drainIngest();
      expect(bed.mem0.memoriesOf(`clinic/${CALLER}`).length).toBeGreaterThan(0);
      expect(bed.mem0.memoriesOf(`agent_stranger/${CALLER}`)).toEqual([]);
      expect(bed.mem0.memoriesOf(CALLER)).toEqual([]);
      expect((await bed.s3.listKeys('post-call/raw/')).length).toBe(2);
      // The unscoped call stays findable under the bare number (for forget and export), the
      // remembered one under its scope.
      expect(await bed.s3.listKeys(`post-call/${CALLER}/`)).toHaveLength(1);
      expect(await bed.s3.listKeys(`post-call/clinic%2F${CALLER}/`)).toHaveLength(1);

      const nurse = variables(await bed.callClientData({ caller_id: CALLER, agent_id: 'agent_nurse_line' }));
      expect(nurse.returning_caller).toBe('yes');
      bed.mem0.requests.length = 0;
      const stranger = variables(await bed.callClientData({ caller_id: CALLER, agent_id: 'agent_stranger' }));
      expect(stranger.returning_caller).toBe('no');
      expect(bed.mem0.requests.filter((r) => r.path.startsWith('/v3/memories'))).toEqual([]);
    } finally {
      await bed.stop();
    }
  });

  it('with the static key in agent scope, the search needs the agent_id and stays in its scope', async () => {
    const bed = await TestBed.start({ env: { MEMORY_SCOPE: 'agent' } });
    try {
      bed.mem0.seed({ userId: `agent_a/${CALLER}`, memory: 'Grew up in Duluth', metadata: { type: 'semantic' } });
      const missing = await bed.callRetrieve({ query: 'grew up', user_id: CALLER });
      expect(missing.statusCode).toBe(400);
      expect(JSON.stringify(json(missing))).toMatch(/agent_id/);
      expect(found(await bed.callRetrieve({ query: 'grew up', user_id: CALLER, agent_id: 'agent_a' }))).toEqual([
        'Grew up in Duluth',
      ]);
      expect(found(await bed.callRetrieve({ query: 'grew up', user_id: CALLER, agent_id: 'agent_b' }))).toEqual([]);
    } finally {
      await bed.stop();
    }
  });
});
