import { removeHome, tempHome } from '../local/local-stack-support';
import { MEMORY_BACKENDS_UNDER_TEST, startMemoryPeer, type MemoryPeer } from '../support/memory-peers';
import {
  countsOf,
  dynamicVariables,
  embeddedMemoriesOf,
  eventually,
  expectedCounts,
  fictionalNumber,
  freshKeys,
  keyEnvironment,
  ledgerHas,
  postCallTo,
  preCallTo,
  testCall,
} from './support/calls';
import { ChildStack, killChildStacks } from './support/child-stack';

/**
 * A post-call 200 means the payload is kept, whatever happens to the process next: `npm start`
 * killed with SIGKILL (no handler runs, nothing is flushed) right after acknowledging a call
 * ingests that call on its next start — once — and a start after that writes nothing again.
 */
const INGEST_TIMEOUT_MS = 15_000;
const AREA = 612;

describe('npm start killed with SIGKILL right after post-call acknowledged a call', () => {
  let home: string;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await killChildStacks();
    await removeHome(home);
  });

  describe.each(MEMORY_BACKENDS_UNDER_TEST)(
    'with the memory store (%s) hanging, so that no ingestion can have finished before the kill',
    (backend) => {
      let memory: MemoryPeer;
      beforeEach(async () => {
        memory = await startMemoryPeer(backend);
      });
      afterEach(() => memory.close());

      it('ingests the acknowledged calls on the next start, each once, and the start after that writes nothing', async () => {
        const keys = freshKeys();
        const env = { ...keyEnvironment(keys), ...memory.localStackEnv() };
        const done = testCall(fictionalNumber(AREA, 1), 0); // ingested before the kill
        const midWrite = testCall(fictionalNumber(AREA, 2), 1); // its first memory write hangs at the kill
        const unstarted = testCall(fictionalNumber(AREA, 3), 2); // acknowledged a moment before the kill
        const memoriesOf = (call: typeof done) => memory.stored(call.callerId, call.conversationId);

        const first = await ChildStack.start(home, env);
        expect((await postCallTo(first.url, done.rawBody, keys.hmacKey)).status).toBe(200);
        await eventually('the first call in the ledger', () => ledgerHas(home, done.conversationId), INGEST_TIMEOUT_MS);
        expect(memoriesOf(done)).toEqual(expectedCounts(done, backend));

        memory.behave({ kind: 'hang' });
        expect((await postCallTo(first.url, midWrite.rawBody, keys.hmacKey)).status).toBe(200);
        await eventually(
          'a memory write of the second call hanging at the store',
          () => memory.writeStarted(midWrite.callerId, midWrite.conversationId),
          INGEST_TIMEOUT_MS,
        );
        const acknowledged = await postCallTo(first.url, unstarted.rawBody, keys.hmacKey);
        await first.kill();

        expect(acknowledged.status).toBe(200);
        expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
        for (const call of [midWrite, unstarted]) {
          expect(await ledgerHas(home, call.conversationId)).toBe(false);
          expect(memoriesOf(call)).toEqual({ factual: 0, semantic: 0, profile: 0 });
        }

        memory.behave({ kind: 'normal' });
        const second = await ChildStack.start(home, env);
        for (const call of [midWrite, unstarted]) {
          await eventually(
            `${call.conversationId} in the ledger`,
            () => ledgerHas(home, call.conversationId),
            INGEST_TIMEOUT_MS,
          );
        }
        expect(second.logLines().join('\n')).toContain('resuming ingestion of 2 archived post-call payloads');
        for (const call of [done, midWrite, unstarted]) expect(memoriesOf(call)).toEqual(expectedCounts(call, backend));
        for (const call of [midWrite, unstarted]) {
          expect(dynamicVariables(await preCallTo(second.url, call.callerId, keys.workspaceKey))).toMatchObject({
            returning_caller: 'yes',
            caller_name: call.callerName,
          });
        }
        await second.kill();

        const writesBefore = memory.writeRequests();
        const third = await ChildStack.start(home, env);
        // Resumption happens before the stack listens: had anything been resent, it would be logged by now.
        expect(third.logLines().join('\n')).not.toContain('resuming');
        expect(dynamicVariables(await preCallTo(third.url, done.callerId, keys.workspaceKey)).returning_caller).toBe(
          'yes',
        );
        expect(memory.writeRequests()).toBe(writesBefore);
        for (const call of [done, midWrite, unstarted]) expect(memoriesOf(call)).toEqual(expectedCounts(call, backend));
      }, 60_000);
    },
  );

  describe('with the embedded memory store (npm start without MEM0_API_KEY)', () => {
    it('knows the caller after the restart, and a further restart writes nothing again', async () => {
      const keys = freshKeys();
      const env = keyEnvironment(keys);
      const call = testCall(fictionalNumber(AREA, 4), 3);

      const first = await ChildStack.start(home, env);
      const acknowledged = await postCallTo(first.url, call.rawBody, keys.hmacKey);
      await first.kill();
      expect(acknowledged.status).toBe(200);

      const second = await ChildStack.start(home, env);
      await eventually('the call in the ledger', () => ledgerHas(home, call.conversationId), INGEST_TIMEOUT_MS);
      expect(dynamicVariables(await preCallTo(second.url, call.callerId, keys.workspaceKey))).toMatchObject({
        returning_caller: 'yes',
        caller_name: call.callerName,
      });
      expect(countsOf(await embeddedMemoriesOf(home, call.callerId), call.conversationId)).toEqual(
        expectedCounts(call, 'embedded'),
      );
      await second.kill();

      const third = await ChildStack.start(home, env);
      expect(third.logLines().join('\n')).not.toContain('resuming');
      expect(dynamicVariables(await preCallTo(third.url, call.callerId, keys.workspaceKey)).returning_caller).toBe(
        'yes',
      );
      expect(countsOf(await embeddedMemoriesOf(home, call.callerId), call.conversationId)).toEqual(
        expectedCounts(call, 'embedded'),
      );
    }, 60_000);
  });
});
