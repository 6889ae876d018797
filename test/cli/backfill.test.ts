/**
 * `agentic-memory backfill`: an agent's history, from the loopback ElevenLabs API through the
 * official client, into a real local stack (embedded archive and memory store): paged, rate
 * limited in the middle, interrupted, resumed, run again and overlapped by webhooks, and every
 * conversation remembered exactly once.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { S3RVER_CREDENTIALS } from '../../lambdas/local/embedded-s3';
import { S3ArchiveAdmin, listAll } from '../../cli/s3-archive-admin';
import { RAW_POST_CALL_PREFIX } from '../../lambdas/shared/archive/archive-keys';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import type { CallerId } from '../../lambdas/shared/caller';
import { EmbeddedMemoryStore } from '../../lambdas/shared/memory/embedded-store';
import { ElevenLabsApiLoopback, type ConversationSpec } from '../support/elevenlabs-api-server';
import { startLocalTarget, type LocalTarget } from './connect-support';

const HOUR = 3600;
const JAN_1 = Date.parse('2026-01-01T00:00:00Z') / 1000;

let server: ElevenLabsApiLoopback;
let target: LocalTarget;
let agentId: string;

beforeEach(async () => {
  server = await ElevenLabsApiLoopback.start();
  server.maxPageSize = 3;
  target = await startLocalTarget(server);
  agentId = server.addAgent();
});
afterEach(async () => {
  expect(server.errors).toEqual([]);
  await target.close();
  await server.close();
});

const backfill = (...more: string[]) => target.run(['backfill', '--agent', agentId, ...more], { withUrl: false });

/** Past calls: eight finished ones of six callers (two called twice), one still processing, one web call without a caller. */
function history(): ConversationSpec[] {
  const callers = ['+16125550101', '+16125550102', '+16125550103', '+16125550104', '+16125550105', '+16125550106'];
  const finished = callers.map((callerId, i) => ({
    conversationId: `conv_past_${i}`,
    agentId,
    callerId,
    startUnix: JAN_1 + i * HOUR,
    said: [`My locker number is ${4200 + i}.`],
    summary: `The caller asked about locker ${4200 + i}.`,
    callerName: ['Ann', 'Ben', 'Cleo', 'Dev', 'Eve', 'Finn'][i],
  }));
  return [
    ...finished,
    { ...finished[0], conversationId: 'conv_past_6', startUnix: JAN_1 + 10 * HOUR, said: ['I renewed my membership.'] },
    {
      ...finished[1],
      conversationId: 'conv_past_7',
      startUnix: JAN_1 + 11 * HOUR,
      said: ['My son Theo starts swimming.'],
    },
    { ...finished[2], conversationId: 'conv_processing', startUnix: JAN_1 + 12 * HOUR, status: 'processing' },
    { ...finished[3], conversationId: 'conv_web', startUnix: JAN_1 + 13 * HOUR, callerId: undefined },
  ];
}

const CALLERS = history()
  .slice(0, 6)
  .map((c) => c.callerId as CallerId);

/** Every memory of every caller, as (conversation, type, text), sorted: duplicates would show. */
async function memorySnapshot(): Promise<string[]> {
  const store = new EmbeddedMemoryStore({ directory: path.join(target.home, 'memory') });
  const lines: string[] = [];
  for (const callerId of CALLERS) {
    for (const memory of await store.listAll(callerId)) {
      lines.push(`${callerId} ${memory.metadata.conversation_id} ${memory.metadata.type} ${memory.memory}`);
    }
  }
  return lines.sort();
}

function archive(): S3ArchiveAdmin {
  const { endpoint, bucket } = target.test.stack.archive;
  const s3 = createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  return new S3ArchiveAdmin(s3, bucket, { versioned: false });
}

it('pages through the history, waits out a 429, resumes after an interruption, and remembers each call once', async () => {
  for (const conversation of history()) server.addConversation(conversation);
  // One call was already delivered by the post-call webhook before the backfill.
  expect((await target.run(['connect', '--agent', agentId])).code).toBe(0);
  await target.restart();
  const live = await server.placeInboundCall(agentId, '+16125550106');
  expect(
    await server.endCall(live, { said: ['I lost my key card.'], summary: 'Key card lost.', callerName: 'Finn' }),
  ).toBe(200);
  await target.test.stack.ingestIdle();
  // A rate limit on the fourth conversation fetched; Ctrl-C while the sixth is fetched.
  server.inject({
    method: 'GET',
    path: /^\/v1\/convai\/conversations\/conv_/,
    status: 429,
    retryAfterSeconds: 1,
    skip: 3,
  });
  const interrupt = new AbortController();
  server.onRequest = ({ method, path }) => {
    if (
      method === 'GET' &&
      /\/conversations\/conv_/.test(path) &&
      server.requestsTo('GET', /\/conversations\/conv_/).length >= 5
    ) {
      interrupt.abort();
    }
  };

  const first = await target.run(['backfill', '--agent', agentId], { withUrl: false, signal: interrupt.signal });

  server.onRequest = undefined;
  expect(first.code).toBe(1);
  expect(first.stdout).toMatch(/Interrupted: run the same command again to resume \(progress is kept in .*\.json\)/);
  expect(first.stderr).toContain('HTTP 429; trying again in 1 s');
  const fetches = server.requestsTo('GET', /\/conversations\/conv_/);
  const limited = fetches.findIndex((r) => r.status === 429);
  expect(limited).toBeGreaterThan(0);
  expect(fetches[limited + 1].path).toBe(fetches[limited].path);
  expect(fetches[limited + 1].at - fetches[limited].at).toBeGreaterThanOrEqual(1000);
  // Paged: 11 conversations, 3 a page.
  expect(server.requestsTo('GET', /^\/v1\/convai\/conversations$/).map((r) => r.query)).toEqual([
    expect.not.stringContaining('cursor'),
    expect.stringContaining('cursor=3'),
    expect.stringContaining('cursor=6'),
    expect.stringContaining('cursor=9'),
  ]);
  const checkpoint = path.join(target.home, '.agentic-memory-backfill', `local-${agentId}.json`);
  expect(existsSync(checkpoint)).toBe(true);
  await target.test.stack.ingestIdle();

  const second = await backfill();

  expect(second.stderr).toBe('');
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/conversations seen\s+11\n/);
  expect(second.stdout).toMatch(/\s+\d+\s+handled by the interrupted run\n/);
  expect(second.stdout).toMatch(/\s+1\s+not finished yet \(processing\): run backfill again later\n/);
  expect(second.stdout).toMatch(
    /\s+1\s+no memory identity \(no phone number, caller id or user id\): nothing to remember\n/,
  );
  expect(second.stdout).toMatch(
    /\s+1\s+already in the archive \(delivered by the post-call webhook, or an earlier backfill\)\n/,
  );
  expect(existsSync(checkpoint)).toBe(false);
  await target.test.stack.ingestIdle();

  // Every finished call of a caller is remembered: their next call knows them.
  for (const [i, callerId] of CALLERS.entries()) {
    const call = await server.placeInboundCall(agentId, callerId);
    expect(call.variables.returning_caller).toBe('yes');
    const found = await server.callTool(call, 'search_memory', { query: `locker ${4200 + i}` });
    expect(JSON.stringify(found.body.memories)).toContain(String(4200 + i));
  }
  const afterTwoRuns = await memorySnapshot();
  expect(new Set(afterTwoRuns).size).toBe(afterTwoRuns.length);
  const conversations = new Set(afterTwoRuns.map((line) => line.split(' ')[1]));
  expect([...conversations].sort()).toEqual(
    [
      'conv_past_0',
      'conv_past_1',
      'conv_past_2',
      'conv_past_3',
      'conv_past_4',
      'conv_past_5',
      'conv_past_6',
      'conv_past_7',
      live.conversationId,
    ].sort(),
  );

  // Once more: nothing new is archived, nothing is written twice.
  const inbox = (await listAll(archive(), RAW_POST_CALL_PREFIX)).map((o) => o.key);
  const third = await backfill();
  await target.test.stack.ingestIdle();
  expect(third.code).toBe(0);
  expect(third.stdout).toMatch(/ingested\s+0\n/);
  expect((await listAll(archive(), RAW_POST_CALL_PREFIX)).map((o) => o.key)).toEqual(inbox);
  expect(await memorySnapshot()).toEqual(afterTwoRuns);

  // A late webhook delivery of a call the backfill brought in adds nothing either.
  expect(await server.deliverTranscription(agentId, server.conversations.get('conv_past_2')!)).toBe(200);
  await target.test.stack.ingestIdle();
  expect(await memorySnapshot()).toEqual(afterTwoRuns);
});

it('skips a call that is remembered although its raw webhook is no longer archived', async () => {
  for (const conversation of history().slice(0, 2)) server.addConversation(conversation);
  expect((await backfill()).code).toBe(0);
  await target.test.stack.ingestIdle();
  const remembered = await memorySnapshot();
  // Archive retention removed the inbox; the memories (and per-caller copies) stay.
  const admin = archive();
  await admin.delete((await listAll(admin, RAW_POST_CALL_PREFIX)).map((o) => o.key));

  const run = await backfill();
  await target.test.stack.ingestIdle();

  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/\s+2\s+already remembered \(the caller has memories of it\)\n/);
  expect(await listAll(admin, RAW_POST_CALL_PREFIX)).toEqual([]);
  expect(await memorySnapshot()).toEqual(remembered);
});

it('--since and --until choose the calls by start time; a progress bar on a terminal', async () => {
  for (const conversation of history()) server.addConversation(conversation);

  const run = await target.run(
    ['backfill', '--agent', agentId, '--since', '2026-01-01T02:00:00Z', '--until', '2026-01-01T04:30:00Z'],
    { withUrl: false, stderrTty: true },
  );

  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/conversations seen\s+3\n/);
  expect(run.stdout).toMatch(/ingested\s+3\n/);
  expect(run.stderr).toMatch(/Backfilling \[#+\] 3\/3/);
  expect(server.requestsTo('GET', /^\/v1\/convai\/conversations$/)[0].query).toMatch(
    /call_start_after_unix=1767232800.*call_start_before_unix=1767241800|call_start_before_unix=1767241800.*call_start_after_unix=1767232800/,
  );
});

it.each([
  [['--since', '2026-02-30'], '--since must be a day (YYYY-MM-DD) or an ISO 8601 time, not "2026-02-30"'],
  [['--since', '2026-03-02', '--until', '2026-03-01'], '--until (2026-03-01) is before --since (2026-03-02)'],
])('%j is a usage error, and nothing is asked of ElevenLabs', async (argv, message) => {
  const run = await backfill(...argv);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(message);
  expect(server.requests).toEqual([]);
});
