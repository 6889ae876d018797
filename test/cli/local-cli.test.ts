import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import * as path from 'node:path';
import { demoCall } from '../../lambdas/local/demo-call';
import { S3RVER_CREDENTIALS } from '../../lambdas/local/embedded-s3';
import { EXPORT_FORMAT, type CallerExport } from '../../cli/export';
import { S3ArchiveAdmin, listAll } from '../../cli/s3-archive-admin';
import { audioKey, callerClientDataPrefix, callerPrefix } from '../../lambdas/shared/archive/archive-keys';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import { callerFileName } from '../../lambdas/shared/memory/embedded-store';
import {
  dynamicVariables,
  postCall,
  preCall,
  removeHome,
  search,
  startTestStack,
  tempHome,
  type TestStack,
} from '../local/local-stack-support';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';
import { cli, stdinOf } from './cli-support';

const MARGARET = '+16125550142';
const DANIEL = '+13125550147';

/** The stack's archive, read through its own S3 server. */
function archiveOf(test: TestStack): S3ArchiveAdmin {
  const { endpoint, bucket } = test.stack.archive;
  return new S3ArchiveAdmin(
    createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS }),
    bucket,
    { versioned: false },
  );
}

async function keys(test: TestStack, prefix: string): Promise<string[]> {
  return (await listAll(archiveOf(test), prefix)).map((object) => object.key);
}

/** A finished call of the caller, their pre-call, and the recording the audio webhook carried. */
async function callOf(test: TestStack, callerId: string, callerName: string): Promise<string> {
  const call = demoCall({ callerId, callerName });
  expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
  const audio = {
    type: 'post_call_audio',
    event_timestamp: 1768404600,
    data: { conversation_id: call.conversationId, full_audio: Buffer.from('ID3 mp3').toString('base64') },
  };
  expect((await postCall(test.stack, JSON.stringify(audio))).status).toBe(200);
  await test.stack.ingestIdle();
  expect((await preCall(test.stack, callerId)).status).toBe(200);
  return call.conversationId;
}

describe('the admin CLI against a running local stack', () => {
  let home: string;
  let test: TestStack;
  let margaretsCall: string;
  let danielsCall: string;
  const local = () => ['--local', '--home', home];

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home);
    margaretsCall = await callOf(test, MARGARET, 'Margaret Ellison');
    danielsCall = await callOf(test, DANIEL, 'Daniel Okafor');
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('status: an empty queue, no dead letters', async () => {
    const run = await cli(['status', ...local(), '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      waiting: 0,
      deadLetters: 0,
      recentFailures: { count: 0, deadLettered: [] },
    });
    const text = await cli(['status', ...local()]);
    expect(text.stdout).toMatch(/ingest queue\s+0 waiting or in flight/);
    expect(text.stdout).toMatch(/dead letters\s+0/);
  });

  it('export: everything held about Margaret as one JSON document, with a progress bar on a terminal', async () => {
    const run = await cli(['export', MARGARET, ...local()], { stderrTty: true });
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as CallerExport;
    expect(document).toMatchObject({ format: EXPORT_FORMAT, callerId: MARGARET, audioKeys: [audioKey(margaretsCall)] });
    expect(document.memories.map((memory) => memory.type).sort()).toEqual(
      expect.arrayContaining(['factual', 'profile', 'semantic']),
    );
    expect(document.memories.every((memory) => memory.createdAt)).toBe(true);
    expect(document.conversations).toEqual([
      expect.objectContaining({
        conversationId: margaretsCall,
        audioKey: audioKey(margaretsCall),
        transcript: expect.objectContaining({ type: 'post_call_transcription' }),
      }),
    ]);
    expect(document.preCallRecords).toHaveLength(1);
    expect(document.rawPayloadKeys).toEqual([expect.stringContaining(`/${margaretsCall}/post_call_transcription-`)]);
    expect(JSON.stringify(document)).not.toContain(DANIEL);
    expect(run.stderr).toMatch(/Reading the archive \[#+\] 2\/2/);
  });

  it('export --output: a file only its owner can read; no progress bar when stderr is not a terminal', async () => {
    const run = await cli(['export', MARGARET, ...local(), '--output', path.join(home, 'margaret.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Exported \d+ memories, 1 conversation and 1 pre-call record to /);
    expect(statSync(path.join(home, 'margaret.json')).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(path.join(home, 'margaret.json'), 'utf8')) as CallerExport).callerId).toBe(
      MARGARET,
    );
  });

  it('forget without --yes and without a terminal refuses (usage), and erases nothing', async () => {
    const run = await cli(['forget', MARGARET, ...local()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('add --yes');
    expect(run.stdout).toContain(`Caller ${MARGARET}`);
    expect(dynamicVariables(await preCall(test.stack, MARGARET)).returning_caller).toBe('yes');
  });

  it('forget asks on a terminal; "n" erases nothing', async () => {
    const run = await cli(['forget', '+1 (612) 555-0142', ...local()], { stdin: stdinOf('n\n', { tty: true }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Erase all of this? It cannot be undone. [y/N] Nothing was erased.');
    expect(dynamicVariables(await preCall(test.stack, MARGARET)).returning_caller).toBe('yes');
  });

  it('forget at a terminal: Ctrl-C at the question ends its line, says so, and erases nothing', async () => {
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    stdin.isTTY = true;
    // The terminal turns Ctrl-C into SIGINT (no character arrives): sent once the question is waiting.
    stdin.once('resume', () => setImmediate(() => process.emit('SIGINT', 'SIGINT')));

    const run = await cli(['forget', MARGARET, ...local()], { stdin: stdin as unknown as ReturnType<typeof stdinOf> });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Erase all of this\? It cannot be undone\. \[y\/N\] \n$/);
    expect(run.stderr).toBe('agentic-memory: interrupted; nothing more was changed\n');
    expect(dynamicVariables(await preCall(test.stack, MARGARET)).returning_caller).toBe('yes');
  });

  it('forget at a terminal: end of input (Ctrl-D) at the question ends its line too', async () => {
    const run = await cli(['forget', MARGARET, ...local()], { stdin: stdinOf('', { tty: true }) });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\[y\/N\] \n$/);
    expect(run.stderr).toBe('agentic-memory: interrupted; nothing more was changed\n');
  });

  it('status --json carries every field the text shows, null where there is nothing to show', async () => {
    const run = await cli(['status', ...local(), '--json']);

    const document = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(document).toEqual({
      deployment: expect.stringContaining(home),
      waiting: 0,
      inFlight: null,
      oldestMessageAgeSeconds: null,
      deadLetters: 0,
      recentFailures: { description: 'payloads dead-lettered in the last 24 hours', count: 0, deadLettered: [] },
    });
  });

  it('forget lists what it will erase, asks, erases everything of Margaret and nothing of Daniel', async () => {
    const before = {
      clientData: await keys(test, callerClientDataPrefix(MARGARET)),
      transcripts: await keys(test, callerPrefix(MARGARET)),
      raw: (await keys(test, 'post-call/raw/')).filter((key) => key.includes(`/${margaretsCall}/`)),
    };
    expect(before.clientData.length).toBeGreaterThan(0);

    const run = await cli(['forget', MARGARET, ...local()], { stdin: stdinOf('y\n', { tty: true }) });

    expect(run.code).toBe(0);
    for (const key of [...before.clientData, ...before.transcripts, ...before.raw, audioKey(margaretsCall)]) {
      expect(run.stdout.split('Erase all')[0]).toContain(key);
      expect(run.stdout.split('Erased')[1]).toContain(key);
    }
    expect(run.stdout).toMatch(/memories\s+\d+ \(/);
    expect(run.stdout).toContain(`Caller ${MARGARET} is forgotten`);

    // Through the running stack's own handlers: a new caller, nothing to find.
    expect(dynamicVariables(await preCall(test.stack, MARGARET))).toMatchObject({
      returning_caller: 'no',
      caller_name: '',
    });
    expect(await search(test.stack, MARGARET, 'allergy')).toEqual([]);
    const remaining = [
      ...(await keys(test, callerClientDataPrefix(MARGARET))),
      ...(await keys(test, callerPrefix(MARGARET))),
      ...(await keys(test, audioKey(margaretsCall))),
      ...(await keys(test, 'post-call/raw/')).filter((key) => key.includes(`/${margaretsCall}/`)),
    ];
    // The pre-call just made is archived again, as every pre-call is.
    expect(remaining.filter((key) => !key.startsWith(callerClientDataPrefix(MARGARET)))).toEqual([]);
    expect(existsSync(path.join(home, 'memory', callerFileName(MARGARET)))).toBe(false);

    expect(dynamicVariables(await preCall(test.stack, DANIEL)).returning_caller).toBe('yes');
    expect(await keys(test, audioKey(danielsCall))).toEqual([audioKey(danielsCall)]);
  });

  it.each([['anonymous'], ['+266696687'], ['Restricted']])(
    'refuses the withheld number %p as a caller (usage, 2), and erases nothing',
    async (withheld) => {
      expect((await preCall(test.stack, 'anonymous')).status).toBe(200);
      const anonymousRecords = await keys(test, 'client-data/anonymous/');
      expect(anonymousRecords.length).toBeGreaterThan(0);

      for (const command of [
        ['forget', withheld, '--yes'],
        ['export', withheld],
      ]) {
        const run = await cli([...command, ...local()]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('It is a withheld number (anonymous, restricted, …): it identifies nobody');
        expect(run.stdout).toBe('');
      }
      expect(await keys(test, 'client-data/anonymous/')).toEqual(anonymousRecords);
    },
  );

  it('refuses a memory identity as a caller, and says how to name the scope instead', async () => {
    const run = await cli(['export', `agent_bakery/${MARGARET}`, ...local()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`name the caller and the scope apart, ${MARGARET} --scope agent_bakery`);
  });

  it('refuses --scope in a deployment that keeps one memory per caller (usage, 2)', async () => {
    const run = await cli(['export', DANIEL, '--scope', 'agent_bakery', ...local()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('keeps one memory per caller, shared by every agent (memory scope "deployment")');
  });

  it('forget --yes for a caller nobody knows: not found (3)', async () => {
    const run = await cli(['forget', '+14155550199', ...local(), '--yes']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/nothing is held about caller \+14155550199/);
  });

  it('replay --conversation re-ingests from the archive, idempotently: no memory is written twice', async () => {
    const before = (await cli(['export', DANIEL, ...local()])).stdout;
    const memoriesBefore = (JSON.parse(before) as CallerExport).memories.length;

    const run = await cli(['replay', ...local(), '--conversation', danielsCall, '--wait']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Handed 1 archived transcription to the ingest worker.');
    expect(run.stdout).toContain('Ingest queue empty. Dead letters: 0.');
    const after = JSON.parse((await cli(['export', DANIEL, ...local()])).stdout) as CallerExport;
    expect(after.memories).toHaveLength(memoriesBefore);
  });

  it('replay --from/--to re-ingests a day of the inbox; an unknown conversation is not found', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const run = await cli(['replay', ...local(), '--from', today, '--wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Handed (1 archived transcription|2 archived transcriptions) to/);
    expect((await cli(['replay', ...local(), '--conversation', 'conv_nobody'])).code).toBe(3);
    expect((await cli(['replay', ...local(), '--from', '2026-02-30'])).code).toBe(2);
    expect((await cli(['replay', ...local()])).code).toBe(2);
  });

  it("secrets: shows where the keys live; sets the HMAC key from a pipe; the Mem0 key is the environment's", async () => {
    const listed = await cli(['secrets', ...local(), '--list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(path.join(home, 'keys.json'));
    expect(listed.stdout).not.toContain(test.stack.keys.workspaceKey);

    const set = await cli(['secrets', ...local(), '--set', 'hmac'], { stdin: stdinOf('wsec_new_local_secret\n') });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('restart the local stack');
    expect(set.stdout).not.toContain('wsec_new_local_secret');
    expect(JSON.parse(readFileSync(path.join(home, 'keys.json'), 'utf8')).hmacKey).toBe('wsec_new_local_secret');

    const mem0 = await cli(['secrets', ...local(), '--set', 'mem0']);
    expect(mem0.code).toBe(2);
    expect(mem0.stderr).toContain('MEM0_API_KEY');
  });
});

describe('smoke against the local stack', () => {
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(() => removeHome(home));

  const stepsOf = (run: { stdout: string }) => run.stdout.split('\n').filter((line) => /^[✓✗] /.test(line));
  const memoryFiles = () => (existsSync(path.join(home, 'memory')) ? readdirSync(path.join(home, 'memory')) : []);

  it('passes every step against a running stack over the token path, prints each with its latency, and erases the test caller', async () => {
    const test = await startTestStack(home);
    try {
      const run = await cli(['smoke', '--local', '--home', home]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const steps = stepsOf(run);
      expect(steps.map((step) => step.slice(2, 50).trim())).toEqual([
        'post-call: a correctly signed transcription is a',
        'post-call: a wrong signature is refused',
        'ingest: the call becomes memory',
        'pre-call: the caller is known by name, with a me',
        'search with X-Memory-Token: "peanut allergy" fin',
        'search: a tampered memory token is refused',
        'search: no credentials are refused',
        'pre-call: a wrong workspace key is refused',
        'search: a wrong API key is refused',
        'erase: the test caller is forgotten, and a new c',
      ]);
      for (const step of steps) expect(step).toMatch(/^✓ .+ \d+ ms /);
      expect(run.stdout).toContain('secret__memory_token given');
      expect(run.stdout).toContain('All steps passed.');
      expect(memoryFiles()).toEqual([]);
      // Nothing of the test caller is left in the archive either: not even the last pre-call's record.
      const archive = new S3ArchiveAdmin(
        createS3Client({ endpoint: test.stack.archive.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS }),
        test.stack.archive.bucket,
        { versioned: false },
      );
      const left = (await listAll(archive, 'client-data/')).map((object) => object.key);
      expect(left).toEqual([]);
    } finally {
      await test.stack.stop();
    }
  });

  it('with RETRIEVE_AUTH=token: searches only with memory tokens, and proves the static key is refused', async () => {
    const test = await startTestStack(home, { env: { RETRIEVE_AUTH: 'token' } });
    try {
      const run = await cli(['smoke', '--local', '--home', home]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^✓ search with X-Memory-Token: "peanut allergy" finds the fact /m);
      expect(run.stdout).toMatch(/^✓ search: the static API key is refused \(retrieveAuth token\) /m);
      expect(run.stdout).not.toContain('a wrong API key');
      expect(stepsOf(run)).toHaveLength(10);
    } finally {
      await test.stack.stop();
    }
  });

  it('with RETRIEVE_AUTH=key: searches with the static key, as that deployment does', async () => {
    const test = await startTestStack(home, { env: { RETRIEVE_AUTH: 'key' } });
    try {
      const run = await cli(['smoke', '--local', '--home', home]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^✓ search with X-Api-Key: "peanut allergy" finds the fact /m);
      expect(run.stdout).not.toContain('memory token');
      expect(stepsOf(run)).toHaveLength(9);
    } finally {
      await test.stack.stop();
    }
  });

  it('in agent scope with a scope map: calls as an agent of the map (others are not remembered), and erases it there', async () => {
    const env = { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: '{"clinic-a":["agent_front_desk"]}' };
    const test = await startTestStack(home, { env });
    try {
      const run = await cli(['smoke', '--local', '--home', home]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('(agent agent_front_desk)');
      expect(stepsOf(run)).toHaveLength(10);
      expect(memoryFiles()).toEqual([]);
    } finally {
      await test.stack.stop();
    }
  });

  it('starts the local stack in-process when none is running, and stops it afterwards', async () => {
    const seeded = await startTestStack(home);
    await seeded.stack.stop();

    const run = await cli(['smoke', '--local', '--home', home]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Smoke test of local stack in ${home}\n`);
    expect(existsSync(path.join(home, 'stack.lock'))).toBe(false);
  });

  it("fails (1) when a step fails: keys other than the stack's are refused", async () => {
    const test = await startTestStack(home);
    try {
      const run = await cli(['smoke', '--local', '--home', home], {
        env: { ELEVENLABS_HMAC_KEY: 'wsec_not_the_stacks' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^✗ post-call: a correctly signed transcription is accepted .*expected 200, got 401/m);
      expect(run.stdout).toMatch(/^\d+ steps? failed\.$/m);
      expect(run.stdout).not.toMatch(/^1 steps|\(s\)/m);
    } finally {
      await test.stack.stop();
    }
  });
});

describe('dead letters of a local stack on Mem0 (loopback Mem0 server)', () => {
  let home: string;
  let mem0: Mem0LoopbackServer;
  let test: TestStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    mem0 = await startMem0Server();
    env = { MEM0_API_KEY: mem0.apiKey, MEM0_HOST: mem0.url };
    test = await startTestStack(home, { env, ingest: { maxReceiveCount: 2, retryDelayMs: 10, maxRetryDelayMs: 20 } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await mem0.close();
    await removeHome(home);
  });

  it('status shows the dead letter and why; replay --dead-letters ingests it once Mem0 is back', async () => {
    mem0.behave({ mode: 'status', status: 401 });
    const call = demoCall({ callerId: MARGARET, callerName: 'Margaret Ellison' });
    expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
    await test.stack.ingestIdle();

    const status = await cli(['status', '--local', '--home', home], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/dead letters\s+1 .*replay --dead-letters --local --home/);
    expect(status.stdout).toMatch(/recent failures\s+payloads dead-lettered in the last 24 hours: 1\n/);
    expect(status.stdout).toContain(`/${call.conversationId}/post_call_transcription-`);

    mem0.behave({ mode: 'normal' });
    const replay = await cli(['replay', '--dead-letters', '--local', '--home', home, '--wait'], { env });

    expect(replay.stdout).toContain('Moved 1 dead-lettered payload back to the ingest worker.');
    expect(replay.stdout).toContain('Ingest queue empty. Dead letters: 0.');
    expect(replay.code).toBe(0);
    expect(mem0.memoriesOf(MARGARET).length).toBeGreaterThan(0);
    expect(dynamicVariables(await preCall(test.stack, MARGARET)).returning_caller).toBe('yes');
  });
});

describe('a dead letter of a local stack says why ingestion failed', () => {
  let home: string;
  let test: TestStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    // A Mem0 host that refuses connections: the memory store is down.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    env = { MEM0_API_KEY: 'm0-test-key-for-a-refusing-host', MEM0_HOST: `http://127.0.0.1:${port}` };
    test = await startTestStack(home, { env, ingest: { maxReceiveCount: 2, retryDelayMs: 10, maxRetryDelayMs: 20 } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('status names the cause (the memory store refused the connection), in text and in --json', async () => {
    const call = demoCall({ callerId: DANIEL, callerName: 'Daniel Okafor' });
    expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
    await test.stack.ingestIdle();

    const status = await cli(['status', '--local', '--home', home], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `/${call.conversationId}/post_call_transcription-\\S+ {2}Mem0 \\w+ failed: .*ECONNREFUSED 127\\.0\\.0\\.1`,
      ),
    );
    expect(status.stdout).not.toContain('the handler reported the record as failed');

    const json = await cli(['status', '--local', '--home', home, '--json'], { env });
    const [letter] = (JSON.parse(json.stdout) as { recentFailures: { deadLettered: Array<{ reason: string }> } })
      .recentFailures.deadLettered;
    expect(letter.reason).toMatch(/^Mem0 \w+ failed: .* ← connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

describe('status of a local stack with a payload waiting', () => {
  let home: string;
  let test: TestStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    // The memory store refuses, and the retry waits a minute: the payload stays in the queue.
    env = { MEM0_API_KEY: 'm0-test-key-for-a-refusing-host', MEM0_HOST: `http://127.0.0.1:${port}` };
    test = await startTestStack(home, { env, ingest: { retryDelayMs: 60_000 } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('--json gives the age of the oldest message, as the text does', async () => {
    const call = demoCall({ callerId: DANIEL, callerName: 'Daniel Okafor' });
    expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);

    const json = JSON.parse((await cli(['status', '--local', '--home', home, '--json'], { env })).stdout) as {
      waiting: number;
      oldestMessageAgeSeconds: unknown;
    };
    const text = (await cli(['status', '--local', '--home', home], { env })).stdout;

    expect(json.waiting).toBe(1);
    expect(json.oldestMessageAgeSeconds).toEqual(expect.any(Number));
    const shown = Number(/oldest message\s+(\d+) s/.exec(text)?.[1]);
    expect(Math.abs(shown - (json.oldestMessageAgeSeconds as number))).toBeLessThanOrEqual(1);
  });
});
