import { createRetrieveHandler } from '../../lambdas/retrieve/handler';
import { StaticSecrets, retrieveSettings } from '../../lambdas/shared/config';
import { actorIdOf } from '../../lambdas/shared/memory/agentcore-ids';
import { createPowertools } from '../../lambdas/shared/powertools';
import { apiGatewayEvent, lambdaContext } from '../support/http-event';
import { AgentCorePeer, MEMORY_BACKENDS_UNDER_TEST } from '../support/memory-peers';
import { TestBed } from '../support/test-bed';
import { expectedCounts, fictionalNumber, testCall } from './support/calls';

/** Runtime bugs the reliability suite found, kept as regression tests, against each memory backend. */

describe.each(MEMORY_BACKENDS_UNDER_TEST)(
  'a memory write that times out on our side but reaches the store (%s)',
  (backend) => {
    let bed: TestBed;
    beforeEach(async () => {
      bed = await TestBed.start({ memory: backend, memoryWriteDeadlineMs: 200 });
    });
    afterEach(() => bed.stop());

    // A store slower than MEMORY_WRITE_DEADLINE_MS (10 s by default) still stores the memory; the
    // worker has given up, Powertools deleted the in-progress idempotency record on the error, the
    // record is redelivered and the memory is written a second time. Issue 5: "Mem0 answering ...
    // slowly ...: none is written twice".
    it('is not written a second time when the record is redelivered', async () => {
      const call = testCall(fictionalNumber(612, 90), 0);
      await bed.deliverPostCall(Buffer.from(call.rawBody));
      const notifications = bed.pendingNotifications();
      // The first write itself is slow (AgentCore's look before it writes is not).
      bed.memory.behave({
        kind: 'normal',
        delayMs: 600,
        times: 1,
        ...(backend === 'agentcore' ? { writesOnly: true } : {}),
      });
      expect((await bed.drainIngest()).batchItemFailures).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 800));
      // The slow write landed after the worker gave up on it.
      expect(bed.memory.stored(call.callerId, call.conversationId).factual).toBe(1);
      expect((await bed.redeliver(notifications)).batchItemFailures).toEqual([]);
      expect(bed.memory.stored(call.callerId, call.conversationId)).toEqual(expectedCounts(call, backend));
      if (bed.memory instanceof AgentCorePeer) expect(bed.memory.duplicateParts(call.callerId)).toEqual([]);
    });
  },
);

describe.each(MEMORY_BACKENDS_UNDER_TEST)(
  'an error answer of the store (%s) that repeats what it was sent',
  (backend) => {
    // The error detail of an upstream answer is logged verbatim (first line, 200 characters): when it
    // quotes the request, as validation errors do, the caller's full number reaches the logs. AgentCore
    // never sees the number itself, but its actor ids carry it (`am-_p1612…`), and so do its namespaces.
    it('does not put the full phone number in the logs', async () => {
      const bed = await TestBed.start({ memory: backend });
      const lines: string[] = [];
      const writes = [process.stdout.write, process.stderr.write];
      process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
      const tools = createPowertools('retrieve');
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      for (const stream of [process.stdout, process.stderr]) {
        stream.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof stream.write;
      }
      try {
        const caller = fictionalNumber(612, 91);
        const actorId = actorIdOf(caller);
        bed.memory.behave({
          kind: 'rejected',
          detail:
            backend === 'mem0'
              ? `Invalid filters: {'user_id': '${caller}'}`
              : `1 validation error detected: Value '/agentic-memory/actors/${actorId}/' at 'namespace' failed to satisfy constraint (actor ${actorId})`,
        });
        const retrieve = createRetrieveHandler({
          secrets: new StaticSecrets({ retrieveApiKey: 'key' }),
          memory: bed.memory.store({ requestTimeoutMs: 1500 }),
          settings: retrieveSettings({}),
          tools,
        });
        const answer = await retrieve(
          apiGatewayEvent({ body: { query: 'cake', user_id: caller }, headers: { 'x-api-key': 'key' } }),
          lambdaContext('retrieve'),
        );
        expect(answer.statusCode).toBe(503);
        const logged = lines.join('');
        expect(logged).toContain('memory search failed');
        expect(logged).not.toContain(caller.slice(1));
        expect(logged).not.toContain(actorId);
      } finally {
        [process.stdout.write, process.stderr.write] = writes;
        await bed.stop();
      }
    });
  },
);
