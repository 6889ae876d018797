import type { Archive } from '../../../lambdas/shared/archive';
import { recordedPostCall } from '../../support/signing';
import { TestBed, WORKSPACE_KEY, json } from '../../support/test-bed';
import { SCHEDULING_SLACK_MS } from '../../support/timing';

const MARGARET = '+16125550142';

describe('client-data (pre-call)', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start({ env: { MEMORY_DEADLINE_MS: '400' } });
  });
  afterAll(() => bed.stop());

  const dynamicVariables = (response: { body: string }) => json(response).dynamic_variables as Record<string, string>;
  const agentOverride = (response: { body: string }) =>
    (json(response).conversation_config_override as { agent: { prompt?: { prompt: string }; first_message?: string } })
      .agent;

  describe('authentication', () => {
    it.each([
      ['no header', {}, 'missing X-Workspace-Key'],
      ['a wrong key', { 'x-workspace-key': 'wrong' }, 'invalid X-Workspace-Key'],
      ['an empty key', { 'x-workspace-key': '' }, 'missing X-Workspace-Key'],
    ])('answers 401 for %s and archives nothing', async (_, headers, message) => {
      const before = await bed.s3.listKeys('client-data/');
      const response = await bed.callClientData({ caller_id: MARGARET }, headers);
      expect(response.statusCode).toBe(401);
      expect(json(response).error).toContain(message);
      expect(await bed.s3.listKeys('client-data/')).toEqual(before);
    });

    it('accepts the header in any case', async () => {
      const response = await bed.callClientData({ caller_id: MARGARET }, { 'X-WORKSPACE-KEY': WORKSPACE_KEY });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('bad input', () => {
    it.each([
      ['not JSON', '{"caller_id":', 'not valid JSON'],
      ['an array', [MARGARET], 'must be a JSON object'],
      ['no caller_id', { agent_id: 'a' }, 'caller_id'],
      ['a numeric caller_id', { caller_id: 16125550142 }, 'caller_id'],
      ['an unparseable caller_id', { caller_id: 'not a phone!' }, 'caller_id'],
      ['an invalid E.164 number', { caller_id: '+0612' }, 'caller_id'],
      ['an oversized call_sid', { caller_id: MARGARET, call_sid: 'C'.repeat(300) }, 'call_sid'],
    ])('answers 400 for %s, naming the problem, and writes nothing', async (_, body, message) => {
      const archived = await bed.s3.listKeys('client-data/');
      const memoryRequests = bed.mem0.requests.length;
      const response = await bed.callClientData(body);
      expect(response.statusCode).toBe(400);
      expect(json(response).error).toContain(message);
      expect(await bed.s3.listKeys('client-data/')).toEqual(archived);
      expect(bed.mem0.requests.length).toBe(memoryRequests);
    });
  });

  describe('a new caller', () => {
    it('gets every dynamic variable as a string, and the generic greeting', async () => {
      const response = await bed.callClientData({ caller_id: '+14155550123', call_sid: 'CAnew' });
      expect(response.statusCode).toBe(200);
      const body = json(response);
      expect(body.type).toBe('conversation_initiation_client_data');
      expect(body.dynamic_variables).toEqual({
        caller_id: '+14155550123',
        caller_name: '',
        memory_count: '0',
        memory_summary: '',
        memory_context: '',
        secret__memory_token: expect.any(String),
        returning_caller: 'no',
        is_returning_caller: 'false',
      });
      expect(agentOverride(response).first_message).toBe('Hello! Thanks for calling. How can I help you today?');
      // No prompt template configured: the agent keeps its own prompt.
      expect(agentOverride(response).prompt).toBeUndefined();
    });
  });

  describe('a returning caller', () => {
    const caller = '+15550001111';
    beforeAll(() => {
      bed.mem0.seed({ userId: caller, memory: 'Prefers a window table', metadata: { type: 'semantic' } });
      bed.mem0.seed({ userId: caller, memory: 'Is vegetarian', metadata: { type: 'semantic' } });
      bed.mem0.seed({
        userId: caller,
        memory: 'Booked a table for four for her anniversary.',
        metadata: { type: 'factual', timestamp: '2026-11-01T19:00:00Z', conversation_id: 'conv_a' },
      });
      bed.mem0.seed({
        userId: caller,
        memory: 'Caller profile. user name: Daniel Okafor',
        metadata: { type: 'profile', profile: { user_name: 'Daniel Okafor' } },
      });
    });

    it('is recognised with name, count, summary and a personal greeting', async () => {
      const response = await bed.callClientData({ caller_id: '+1 (555) 000-1111' });
      const variables = dynamicVariables(response);
      expect(variables).toMatchObject({
        caller_id: caller,
        caller_name: 'Daniel Okafor',
        memory_count: '4',
        returning_caller: 'yes',
        is_returning_caller: 'true',
      });
      expect(variables.memory_summary).toContain('1 previous call.');
      expect(agentOverride(response).first_message).toBe('Hello Daniel! Welcome back. How can I help you today?');
      expect(variables.memory_context).toContain('- Prefers a window table');
      expect(variables.memory_context).toContain('- 2026-11-01: Booked a table for four');
      expect(agentOverride(response).prompt).toBeUndefined();
    });

    it('asks Mem0 for that caller only, with snake_case filters', async () => {
      bed.mem0.requests.length = 0;
      await bed.callClientData({ caller_id: caller });
      const lists = bed.mem0.requests.filter((r) => r.path === '/v3/memories/');
      expect(lists).toHaveLength(3);
      for (const list of lists) {
        expect(JSON.stringify(list.body)).toContain(`{"user_id":"${caller}"}`);
      }
    });

    it('archives the request and the answer together under the caller', async () => {
      await bed.callClientData({ caller_id: caller, call_sid: 'CAarchived' });
      const keys = await bed.s3.listKeys(`client-data/${caller}/`);
      const key = keys.find((k) => k.endsWith('-CAarchived.json'));
      expect(key).toBeDefined();
      const record = JSON.parse((await bed.s3.getObject(key!)).body.toString());
      expect(record.request).toMatchObject({ caller_id: caller, call_sid: 'CAarchived' });
      expect(record.response.dynamic_variables.caller_name).toBe('Daniel Okafor');
    });
  });

  describe('when memory is slow or down', () => {
    afterEach(() => bed.mem0.behave({ mode: 'normal' }));

    it('answers 200 as for a new caller within the deadline, counting a degraded answer', async () => {
      bed.mem0.behave({ mode: 'hang' });
      const degraded = jest.spyOn(bed.tools.clientData.metrics, 'addMetric');
      const started = performance.now();
      const response = await bed.callClientData({ caller_id: '+15550001111' });
      const elapsed = performance.now() - started;
      expect(response.statusCode).toBe(200);
      expect(dynamicVariables(response).returning_caller).toBe('no');
      expect(elapsed).toBeLessThan(400 + SCHEDULING_SLACK_MS);
      expect(degraded).toHaveBeenCalledWith('DegradedResponses', 'Count', 1);
      degraded.mockRestore();
    });

    it.each([429, 500, 503])('answers 200 as for a new caller when Mem0 answers %i', async (status) => {
      bed.mem0.behave({ mode: 'status', status });
      const response = await bed.callClientData({ caller_id: '+15550001111' });
      expect(response.statusCode).toBe(200);
      expect(dynamicVariables(response).memory_count).toBe('0');
    });

    it('recovers by itself when memory comes back', async () => {
      bed.mem0.behave({ mode: 'reset', times: 3 });
      expect(dynamicVariables(await bed.callClientData({ caller_id: '+15550001111' })).returning_caller).toBe('no');
      expect(dynamicVariables(await bed.callClientData({ caller_id: '+15550001111' })).returning_caller).toBe('yes');
    });
  });
});

describe('client-data configuration', () => {
  it('leaves out the overrides that are switched off, and keeps the agent prompt around the memory context', async () => {
    const template = 'You are the Harbor Bistro host.\n\n{{memory_context}}';
    const bed = await TestBed.start({ env: { OVERRIDE_FIRST_MESSAGE: 'false' } });
    const withTemplate = await TestBed.start({ env: { OVERRIDE_PROMPT: 'true', BASE_PROMPT_TEMPLATE: template } });
    const none = await TestBed.start({
      env: { OVERRIDE_PROMPT: 'false', OVERRIDE_FIRST_MESSAGE: 'false', BASE_PROMPT_TEMPLATE: template },
    });
    withTemplate.mem0.seed({ userId: MARGARET, memory: 'Grew up in Duluth', metadata: { type: 'semantic' } });
    try {
      // OVERRIDE_PROMPT on but no template: nothing would replace the agent's prompt, so nothing is sent.
      const noGreeting = json(await bed.callClientData({ caller_id: MARGARET }));
      expect(noGreeting.conversation_config_override).toBeUndefined();

      const templated = json(await withTemplate.callClientData({ caller_id: MARGARET }));
      const prompt = (templated.conversation_config_override as { agent: { prompt: { prompt: string } } }).agent.prompt
        .prompt;
      expect(prompt.startsWith('You are the Harbor Bistro host.\n\n## Caller memory')).toBe(true);
      expect(prompt).toBe(
        `You are the Harbor Bistro host.\n\n${(templated.dynamic_variables as Record<string, string>).memory_context}`,
      );

      const bare = json(await none.callClientData({ caller_id: MARGARET }));
      expect(bare.conversation_config_override).toBeUndefined();
      expect(bare.dynamic_variables).toBeDefined();
    } finally {
      await Promise.all([bed.stop(), withTemplate.stop(), none.stop()]);
    }
  });

  it('answers even when the archive fails', async () => {
    const failing = (): Archive => ({
      putJson: async () => {
        throw new Error('S3 is down');
      },
      putAudio: async () => {
        throw new Error('S3 is down');
      },
      getText: async () => {
        throw new Error('S3 is down');
      },
    });
    const bed = await TestBed.start({ archive: failing });
    try {
      const response = await bed.callClientData({ caller_id: MARGARET });
      expect(response.statusCode).toBe(200);
      expect(json(response).type).toBe('conversation_initiation_client_data');
    } finally {
      await bed.stop();
    }
  });
});

describe('client-data after a recorded call', () => {
  it('greets Margaret by name on her next call', async () => {
    const bed = await TestBed.start();
    try {
      expect((await bed.deliverPostCall(recordedPostCall('post_call_transcription.short-greeting'))).statusCode).toBe(
        200,
      );
      const ingest = await bed.drainIngest();
      expect(ingest.batchItemFailures).toEqual([]);

      const response = await bed.callClientData({ caller_id: MARGARET });
      const body = json(response);
      expect(body.dynamic_variables).toMatchObject({ caller_name: 'Margaret', returning_caller: 'yes' });
      const agent = (body.conversation_config_override as { agent: { first_message: string } }).agent;
      expect(agent.first_message).toBe('Hello Margaret! Welcome back. How can I help you today?');
    } finally {
      await bed.stop();
    }
  });
});
