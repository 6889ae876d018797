import { readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { demoCall } from '../../lambdas/local/demo-call';
import { startEmbeddedS3 } from '../../lambdas/local/embedded-s3';
import { rawPostCallKey } from '../../lambdas/shared/archive';
import { recordedPostCall } from '../support/signing';
import {
  dynamicVariables,
  firstMessage,
  postCall,
  preCall,
  removeHome,
  request,
  search,
  startTestStack,
  tempHome,
  type TestStack,
} from './local-stack-support';

const MARGARET = '+16125550142';

describe('local stack: a recorded ElevenLabs call becomes memory', () => {
  let home: string;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home);
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('answers a new caller as new, ingests the signed webhook within a second, then knows Margaret', async () => {
    const { stack } = test;
    expect(dynamicVariables(await preCall(stack, MARGARET)).returning_caller).toBe('no');

    const acknowledged = await postCall(stack, recordedPostCall('post_call_transcription.short-greeting'));
    expect(acknowledged).toEqual({ status: 200, body: { status: 'ok' } });
    const startedAt = performance.now();
    await stack.ingestIdle();
    expect(performance.now() - startedAt).toBeLessThan(1000);

    const answer = await preCall(stack, MARGARET);
    expect(answer.status).toBe(200);
    expect(dynamicVariables(answer)).toMatchObject({ returning_caller: 'yes', caller_name: 'Margaret' });
    expect(firstMessage(answer)).toContain('Margaret');

    const found = await search(stack, MARGARET, 'new story');
    expect(found.join('\n')).toContain('story');
  });

  it('logs neither the full phone number nor what was said', () => {
    const logs = test.logLines.join('\n');
    expect(logs).toContain('conversation ingested');
    expect(logs).not.toContain(MARGARET);
    expect(logs).not.toContain('Whenever you');
    for (const line of test.logLines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('local stack over HTTP', () => {
  let home: string;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home);
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('remembers a multi-turn call: the returning caller by name, and a fact they gave', async () => {
    const { stack } = test;
    const call = demoCall({ callerId: '+13125550147', callerName: 'Priya Raman' });
    expect((await postCall(stack, JSON.stringify(call.payload))).status).toBe(200);
    await stack.ingestIdle();

    const answer = await preCall(stack, call.callerId);
    expect(dynamicVariables(answer)).toMatchObject({ returning_caller: 'yes', caller_name: 'Priya Raman' });
    expect(firstMessage(answer)).toContain('Priya');
    const found = await search(stack, call.callerId, call.search.query);
    expect(found.some((memory) => memory.toLowerCase().includes(call.search.expectedWord))).toBe(true);
  });

  it('writes nothing twice when ElevenLabs retries a delivery byte for byte', async () => {
    const { stack } = test;
    const call = demoCall({ callerId: '+13125550148', callerName: 'Aisha Bello' });
    const body = JSON.stringify(call.payload);
    await postCall(stack, body);
    await stack.ingestIdle();
    const before = dynamicVariables(await preCall(stack, call.callerId)).memory_count;
    await postCall(stack, body);
    await stack.ingestIdle();
    expect(dynamicVariables(await preCall(stack, call.callerId)).memory_count).toBe(before);
  });

  it('logs what a delivery wrote: everything the first time, nothing on a byte-for-byte retry', async () => {
    const { stack } = test;
    const call = demoCall({ callerId: '+13125550149', callerName: 'Tomás Herrera' });
    const body = JSON.stringify(call.payload);
    const ingestedLines = () =>
      test.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.conversationId === call.conversationId && entry.turns !== undefined);

    await postCall(stack, body);
    await stack.ingestIdle();
    await postCall(stack, body);
    await stack.ingestIdle();

    const [first, retry] = ingestedLines();
    expect(first).toMatchObject({
      message: 'conversation ingested',
      memoriesWritten: ['factual', 'semantic', 'profile'],
    });
    expect(first.memoriesWrittenEarlier).toBeUndefined();
    expect(retry).toMatchObject({
      message: 'conversation ingested before: nothing written again',
      memoriesWritten: [],
      memoriesWrittenEarlier: ['factual', 'semantic', 'profile'],
    });
  });

  it('refuses a wrong workspace key, a wrong retrieve key and a bad signature with 401', async () => {
    const { stack } = test;
    expect((await preCall(stack, MARGARET, 'not-the-key')).status).toBe(401);
    const searched = await request(stack.urls.retrieve, {
      body: JSON.stringify({ query: 'anything', user_id: MARGARET }),
      headers: { 'X-Api-Key': 'not-the-key' },
    });
    expect(searched.status).toBe(401);
    const posted = await postCall(
      stack,
      JSON.stringify(demoCall({ callerId: MARGARET, callerName: 'M' }).payload),
      'wsec_wrong',
    );
    expect(posted.status).toBe(401);
  });

  it('answers GET /health, 404 for unknown paths and 405 for a known path with the wrong method', async () => {
    const { stack } = test;
    expect(await request(stack.urls.health)).toEqual({
      status: 200,
      body: { status: 'ok', memory: 'embedded', ingestQueueDepth: 0, ingestOldestMessageAgeSeconds: null },
    });
    expect((await request(`${stack.url}/nowhere`)).status).toBe(404);
    const wrongMethod = await fetch(stack.urls.postCall);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('passes a body that is not UTF-8 through (base64) to the handler, which refuses it by name', async () => {
    const answer = await request(test.stack.urls.clientData, {
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      headers: { 'X-Workspace-Key': test.stack.keys.workspaceKey },
    });
    expect(answer).toEqual({ status: 400, body: { error: 'body is not valid UTF-8' } });
  });

  it('refuses a second stack on the same data directory', async () => {
    await expect(startTestStack(home)).rejects.toThrow(/in use by another local stack \(this process\)/);
  });
});

describe('local stack with ALLOWED_SOURCE_IPS', () => {
  let home: string;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home, { env: { ALLOWED_SOURCE_IPS: '34.67.146.145' } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('lets the webhooks in only from the listed addresses, as a tunnel forwards them', async () => {
    const { stack } = test;
    const body = JSON.stringify({ caller_id: MARGARET });
    const headers = { 'X-Workspace-Key': stack.keys.workspaceKey };
    expect((await request(stack.urls.clientData, { body, headers })).status).toBe(403);
    const tunnelled = { ...headers, 'X-Forwarded-For': '34.67.146.145' };
    expect((await request(stack.urls.clientData, { body, headers: tunnelled })).status).toBe(200);
  });
});

describe('local stack across restarts', () => {
  let home: string;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await removeHome(home);
  });

  it('keeps the memories and the keys', async () => {
    const call = demoCall({ callerId: '+14155550131', callerName: 'Henrik Larsen' });
    const first = await startTestStack(home);
    await postCall(first.stack, JSON.stringify(call.payload));
    await first.stack.ingestIdle();
    await first.stack.stop();

    const second = await startTestStack(home);
    try {
      expect(second.stack.keys).toEqual(first.stack.keys);
      expect(second.stack.keySources).toEqual({
        workspaceKey: 'data directory',
        retrieveApiKey: 'data directory',
        hmacKey: 'data directory',
        memoryTokenKey: 'data directory',
      });
      expect(dynamicVariables(await preCall(second.stack, call.callerId))).toMatchObject({
        returning_caller: 'yes',
        caller_name: 'Henrik Larsen',
      });
      expect((await search(second.stack, call.callerId, call.search.query)).length).toBeGreaterThan(0);
    } finally {
      await second.stack.stop();
    }
  });

  it('keeps an HMAC key given in the environment: a start without the variable accepts deliveries signed with it', async () => {
    const elevenLabsSecret = 'wsec_generated_by_elevenlabs_for_this_webhook';
    const first = await startTestStack(home, { env: { ELEVENLABS_HMAC_KEY: elevenLabsSecret } });
    await first.stack.stop();

    const second = await startTestStack(home);
    try {
      expect(second.stack.keys.hmacKey).toBe(elevenLabsSecret);
      expect(second.stack.keySources.hmacKey).toBe('data directory');
      const call = demoCall({ callerId: '+14155550133', callerName: 'Ines Duarte' });
      expect((await postCall(second.stack, JSON.stringify(call.payload), elevenLabsSecret)).status).toBe(200);
    } finally {
      await second.stack.stop();
    }
  });

  it('ingests a call that was archived while no worker ran, once', async () => {
    const call = demoCall({ callerId: '+14155550132', callerName: 'Tomás Herrera' });
    const body = JSON.stringify(call.payload);
    const s3 = await startEmbeddedS3({ directory: path.join(home, 's3') });
    await s3.archive.putJson(
      rawPostCallKey('post_call_transcription', call.conversationId, Buffer.from(body), new Date()),
      body,
    );
    await s3.close();

    const resumed = await startTestStack(home);
    await resumed.stack.ingestIdle();
    const remembered = dynamicVariables(await preCall(resumed.stack, call.callerId));
    expect(remembered).toMatchObject({ returning_caller: 'yes', caller_name: 'Tomás Herrera' });
    expect(resumed.logLines.join('\n')).toContain('resuming ingestion of 1 archived post-call payload"');
    await resumed.stack.stop();

    const again = await startTestStack(home);
    await again.stack.ingestIdle();
    expect(again.logLines.join('\n')).not.toContain('resuming');
    expect(dynamicVariables(await preCall(again.stack, call.callerId)).memory_count).toBe(remembered.memory_count);
    await again.stack.stop();
  });

  it('dead-letters a payload that keeps failing, leaves it alone on restart, and retries it once its file is deleted', async () => {
    const key = rawPostCallKey('post_call_transcription', 'conv_broken', Buffer.from('{not json'), new Date());
    const s3 = await startEmbeddedS3({ directory: path.join(home, 's3') });
    await s3.archive.putJson(key, '{not json');
    await s3.close();
    const deadLetterDir = path.join(home, 'dead-letter');
    const ingest = { maxReceiveCount: 2, retryDelayMs: 10 };

    const first = await startTestStack(home, { ingest });
    await first.stack.ingestIdle();
    await first.stack.stop();
    const letters = await readdir(deadLetterDir);
    expect(letters).toHaveLength(1);
    expect(first.logLines.join('\n')).toContain('payload dead-lettered');

    const second = await startTestStack(home, { ingest });
    await second.stack.ingestIdle();
    await second.stack.stop();
    expect(second.logLines.join('\n')).not.toContain('resuming');

    await rm(path.join(deadLetterDir, letters[0]));
    const third = await startTestStack(home, { ingest });
    await third.stack.ingestIdle();
    await third.stack.stop();
    expect(third.logLines.join('\n')).toContain('resuming ingestion of 1 archived post-call payload"');
    expect(await readdir(deadLetterDir)).toHaveLength(1);
  });
});
