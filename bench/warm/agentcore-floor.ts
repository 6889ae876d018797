import {
  BatchCreateMemoryRecordsCommand,
  CreateEventCommand,
  ListEventsCommand,
  ListMemoryRecordsCommand,
  ListSessionsCommand,
  RetrieveMemoryRecordsCommand,
  type BedrockAgentCoreClient,
  type MemoryRecordSummary,
  type SessionSummary,
} from '@aws-sdk/client-bedrock-agentcore';
import type { PlannedMemory } from '../../lambdas/ingest/conversation-memories';
import type { ClientDataSettings } from '../../lambdas/shared/config';
import {
  actorIdOf,
  actorNamespace,
  isHashedActorId,
  sessionIdOf,
  typeNamespace,
} from '../../lambdas/shared/memory/agentcore-ids';
import { recordWrite, transcriptWrite } from '../../lambdas/shared/memory/agentcore-writes';
import type { MemoryFloor } from './floors';

/**
 * What the AgentCore adapter (lambdas/shared/memory/agentcore-store.ts) sends, with the same
 * client (@aws-sdk/client-bedrock-agentcore, built as the function builds it), the same requests
 * in the same order and parallelism — paging to the end as it does, since the service lists in
 * no documented order — and nothing of its own work: no merging, sorting or reading back.
 * test/bench/floors.test.ts holds the two to the same requests.
 */

/** The adapter's page size and page bounds (agentcore-store.ts: PAGE_SIZE, READ_PAGES, SESSION_PAGES, BULK_PAGES). */
const PAGE_SIZE = 100;
const READ_PAGES = 20;
const SESSION_PAGES = 5;
const BULK_PAGES = 1_000;
const MAX_TOP_K = 100;
const MAX_QUERY_CHARS = 10_000;

export class AgentCoreFloor implements MemoryFloor {
  constructor(
    private readonly client: BedrockAgentCoreClient,
    private readonly memoryId: string,
  ) {}

  /**
   * The three lists side by side: the caller's call summaries, their facts — beside the caller's
   * sessions, then the latest session's events (what stands in for facts not extracted yet) —
   * and their profile, every page of each.
   */
  async preCallReads(callerId: string, _settings: ClientDataSettings): Promise<void> {
    const actorId = actorIdOf(callerId);
    const semantic = async () => {
      const [, sessions] = await Promise.all([
        this.records(typeNamespace(actorId, 'semantic'), READ_PAGES),
        this.sessions(actorId, SESSION_PAGES),
      ]);
      const latest = latestSession(sessions);
      if (latest) await this.events(actorId, latest, true, READ_PAGES);
    };
    await Promise.all([
      this.records(typeNamespace(actorId, 'factual'), READ_PAGES),
      semantic(),
      this.records(typeNamespace(actorId, 'profile'), READ_PAGES),
    ]);
  }

  /** One RetrieveMemoryRecords on the caller's namespace prefix. */
  async search(callerId: string, query: string, limit: number): Promise<void> {
    const topK = Math.min(Math.floor(limit), MAX_TOP_K);
    await this.client.send(
      new RetrieveMemoryRecordsCommand({
        memoryId: this.memoryId,
        namespace: actorNamespace(actorIdOf(callerId)),
        searchCriteria: { searchQuery: query.trim().slice(0, MAX_QUERY_CHARS), topK },
        maxResults: topK,
      }),
    );
  }

  /**
   * A text: the conversation's records of its type listed (the adapter writes only the parts not
   * there yet), then the missing parts in batches. A conversation: the session's events listed,
   * then each missing part as an event, in turn.
   */
  async write(callerId: string, planned: PlannedMemory): Promise<void> {
    const memory = planned.memory;
    const actorId = actorIdOf(callerId);
    const target = {
      actorId,
      sessionId: sessionIdOf(memory.metadata.conversation_id),
      identity: isHashedActorId(actorId) ? callerId : undefined,
      metadata: memory.metadata,
    };
    if (memory.kind === 'text') {
      const plan = recordWrite({ ...target, text: memory.text });
      const present = plan.presentParts(await this.records(plan.namespace, BULK_PAGES));
      for (const batch of plan.batchesMissing(present)) {
        await this.client.send(new BatchCreateMemoryRecordsCommand({ memoryId: this.memoryId, ...batch }));
      }
      return;
    }
    const plan = transcriptWrite({ ...target, turns: memory.turns.filter((turn) => turn.content.trim() !== '') });
    const present = plan.presentParts(await this.events(target.actorId, target.sessionId, false, BULK_PAGES));
    for (const event of plan.eventsMissing(present)) {
      await this.client.send(new CreateEventCommand({ memoryId: this.memoryId, ...event }));
    }
  }

  private async records(namespace: string, maxPages: number): Promise<MemoryRecordSummary[]> {
    return this.pages(maxPages, async (nextToken) => {
      const output = await this.client.send(
        new ListMemoryRecordsCommand({ memoryId: this.memoryId, namespace, maxResults: PAGE_SIZE, nextToken }),
      );
      return { items: output.memoryRecordSummaries, nextToken: output.nextToken };
    });
  }

  private async sessions(actorId: string, maxPages: number): Promise<SessionSummary[]> {
    return this.pages(maxPages, async (nextToken) => {
      const output = await this.client.send(
        new ListSessionsCommand({ memoryId: this.memoryId, actorId, maxResults: PAGE_SIZE, nextToken }),
      );
      return { items: output.sessionSummaries, nextToken: output.nextToken };
    });
  }

  private async events(actorId: string, sessionId: string, includePayloads: boolean, maxPages: number) {
    return this.pages(maxPages, async (nextToken) => {
      const output = await this.client.send(
        new ListEventsCommand({
          memoryId: this.memoryId,
          actorId,
          sessionId,
          includePayloads,
          maxResults: PAGE_SIZE,
          nextToken,
        }),
      );
      return { items: output.events, nextToken: output.nextToken };
    });
  }

  /** Every page, one after the other (each asks for the next with the last one's token). */
  private async pages<T>(
    maxPages: number,
    page: (nextToken: string | undefined) => Promise<{ items?: T[]; nextToken?: string }>,
  ): Promise<T[]> {
    const items: T[] = [];
    let nextToken: string | undefined;
    for (let n = 0; n < maxPages; n++) {
      const output = await page(nextToken);
      items.push(...(output.items ?? []));
      nextToken = output.nextToken || undefined;
      if (!nextToken) break;
    }
    return items;
  }
}

/** The session created last (the first of equals), as the adapter picks the caller's latest call. */
function latestSession(sessions: SessionSummary[]): string | undefined {
  let latest: SessionSummary | undefined;
  for (const session of sessions) {
    if (!session.sessionId) continue;
    if (!latest || (session.createdAt?.getTime() ?? -Infinity) > (latest.createdAt?.getTime() ?? -Infinity)) {
      latest = session;
    }
  }
  return latest?.sessionId;
}
