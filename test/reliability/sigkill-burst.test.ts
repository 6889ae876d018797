import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { removeHome, tempHome } from '../local/local-stack-support';
import {
  countsOf,
  embeddedMemoriesOf,
  eventually,
  expectedCounts,
  fictionalNumber,
  freshKeys,
  keyEnvironment,
  ledgerHas,
  postCallTo,
  testCall,
  type TestCall,
} from './support/calls';
import { ChildStack, killChildStacks } from './support/child-stack';

/**
 * `npm start` (the stack as a real child process) killed with SIGKILL at 20 random moments of a
 * burst of signed post-calls: mid-upload, mid-archive-write, mid-ingest, during the resumption
 * of the previous crash's work. Every start after a kill must succeed, and at the end every call
 * that was answered 200 must have become its memories exactly once. Requests the kill cut off
 * were never acknowledged and are sent again in the next round, as ElevenLabs retries; some
 * acknowledged calls are sent again too (byte-identical retries).
 *
 * The moments come from a seeded generator; a failure names the seed (SIGKILL_SEED=… replays it).
 */
const ROUNDS = 20;
const CALLS = 36;
const CONCURRENCY = 6;
const RETRY_SHARE = 0.1;
const AREA = 613;
const FINAL_INGEST_TIMEOUT_MS = 30_000;

describe('npm start killed with SIGKILL at 20 random moments of a signed post-call burst', () => {
  let home: string;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await killChildStacks();
    await removeHome(home);
  });

  it('always starts again, and turns every call it acknowledged into memories exactly once', async () => {
    const seed = Number(process.env.SIGKILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    const context = `(SIGKILL_SEED=${seed})`;
    const keys = freshKeys();
    const env = keyEnvironment(keys);
    const calls = Array.from({ length: CALLS }, (_, i) => testCall(fictionalNumber(AREA, i), i));
    const acknowledged = new Set<string>();
    const unexpected: string[] = [];
    let cutOff = 0;

    for (let round = 0; round < ROUNDS; round++) {
      // A start that fails (as it did on a half-written archive object) fails the test here.
      const stack = await ChildStack.start(home, env);
      const batch = shuffle(
        calls.filter((call) => !acknowledged.has(call.conversationId) || random() < RETRY_SHARE),
        random,
      );
      // The moment: after a random number of acknowledgements (all of them: during ingestion),
      // plus a random few milliseconds.
      const acksBeforeKill = Math.floor(random() * (batch.length + 1));
      const extraMs = random() * (acksBeforeKill === batch.length ? 400 : 25);
      let acks = 0;
      let reachKillPoint!: () => void;
      const killPoint = new Promise<void>((resolve) => (reachKillPoint = resolve));
      if (acksBeforeKill === 0) reachKillPoint();

      const burst = inParallel(batch, CONCURRENCY, async (call) => {
        const answer = await postCallTo(stack.url, call.rawBody, keys.hmacKey).catch(() => undefined);
        if (answer === undefined) return false;
        if (answer.status !== 200) {
          unexpected.push(`round ${round}: ${answer.status} ${JSON.stringify(answer.body)}`);
          return false;
        }
        acknowledged.add(call.conversationId);
        if (++acks === acksBeforeKill) reachKillPoint();
        return true;
      });
      await Promise.race([killPoint, burst]);
      await new Promise((resolve) => setTimeout(resolve, extraMs));
      await stack.kill();
      cutOff += (await burst).filter((ok) => !ok).length;
    }

    const final = await ChildStack.start(home, env);
    for (const call of calls.filter((c) => !acknowledged.has(c.conversationId))) {
      expect((await postCallTo(final.url, call.rawBody, keys.hmacKey)).status).toBe(200);
      acknowledged.add(call.conversationId);
    }
    await eventually(
      `every acknowledged call in the ingest ledger ${context}`,
      async () => (await Promise.all(calls.map((call) => ledgerHas(home, call.conversationId)))).every(Boolean),
      FINAL_INGEST_TIMEOUT_MS,
    );

    expect(unexpected).toEqual([]);
    // The kills did land mid-burst: some requests were cut off and had to be sent again.
    expect(cutOff).toBeGreaterThan(0);
    const counts = await Promise.all(calls.map((call) => countsIn(home, call)));
    expect({ seed, counts }).toEqual({ seed, counts: calls.map((call) => expectedCounts(call, 'embedded')) });
    expect(await readdir(path.join(home, 'dead-letter')).catch(() => [])).toEqual([]);
  }, 150_000);
});

async function countsIn(home: string, call: TestCall) {
  return countsOf(await embeddedMemoriesOf(home, call.callerId), call.conversationId);
}

/** Runs `work` on every item, at most `concurrency` at a time; resolves with the results in order. */
async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
