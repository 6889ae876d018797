import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import MiniSearch from 'minisearch';
import type { CallerId } from '../caller';
import { snippetsOf } from './caller-snippets';
import type { ListOptions, Memory, MemoryMetadata, MemoryPage, MemoryStore, NewMemory } from './memory-store';

export { MAX_SNIPPET_CHARS, MAX_TEXT_CHARS, callerSnippets, snippetsOf } from './caller-snippets';

/**
 * Caller memories with no account anywhere: the local stack and the Mem0 loopback server.
 *
 * On disk (with a `directory`) each caller is one append-only JSONL file named
 * `<base64url(callerId)>.jsonl`; each line is `{ id, memory, metadata, createdAt }`, oldest first.
 * A caller is read on first use and kept in memory. Instances on one directory in one process
 * share that state; a change by another process (an admin CLI erasing a caller) is noticed from
 * the file's size and mtime. Only one process should write at a time.
 */
export class EmbeddedMemoryStore implements MemoryStore {
  private readonly callers: CallerRegistry;

  /** Without a `directory` memories live in this instance only. */
  constructor(options: { directory?: string } = {}) {
    this.callers = options.directory === undefined ? new CallerRegistry() : sharedRegistry(options.directory);
  }

  async list(callerId: CallerId, options: ListOptions): Promise<MemoryPage> {
    return this.callers.read(callerId, (caller) => {
      const ofType = caller.memories.filter(
        (memory) =>
          memory.metadata.type === options.type &&
          (options.conversationId === undefined || memory.metadata.conversation_id === options.conversationId),
      );
      const limit = Math.max(0, Math.floor(options.limit));
      const newest = limit === 0 ? [] : ofType.slice(-limit).reverse();
      return { memories: newest.map(copy), total: ofType.length };
    });
  }

  async search(callerId: CallerId, query: string, options: { limit: number }): Promise<Memory[]> {
    if (query.trim() === '' || options.limit < 1) return [];
    return this.callers.read(callerId, (caller) => {
      caller.index ??= new KeywordIndex(caller.memories);
      return caller.index
        .search(query, options.limit)
        .map(({ id, score }) => ({ ...copy(caller.byId.get(id) as StoredMemory), score }));
    });
  }

  async add(callerId: CallerId, memory: NewMemory): Promise<void> {
    const createdAt = new Date().toISOString();
    const records = snippetsOf(memory).map((text): StoredMemory => ({
      id: randomUUID(),
      memory: text,
      metadata: { ...memory.metadata },
      createdAt,
    }));
    if (records.length > 0) await this.callers.append(callerId, records);
  }

  async deleteCaller(callerId: CallerId): Promise<void> {
    await this.callers.erase(callerId);
  }

  async listAll(callerId: CallerId): Promise<Memory[]> {
    return this.callers.read(callerId, (caller) => [...caller.memories].reverse().map(copy));
  }

  async deleteMemory(callerId: CallerId, memoryId: string): Promise<void> {
    await this.callers.remove(callerId, memoryId);
  }

  /** Every caller with a file (or, in memory, with memories). */
  async callerIds(): Promise<CallerId[]> {
    return this.callers.callerIds();
  }
}

// ---- ranking -----------------------------------------------------------------------------------

const STOP_WORDS = new Set(
  (
    'a about am an and any are as at be been but by can could did do does for from had has have he her ' +
    'him his how i if in into is it its just me my no not of on or our she so than that the their them ' +
    'then there they this to uh um us was we were what when where which who why will with would you your'
  ).split(' '),
);
/** The newest memory's score is multiplied by 1 + this, the oldest's by 1. */
const RECENCY_BOOST = 0.1;

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

function indexTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  return lower.length > 1 || /\d/.test(lower) ? lower : null;
}

/**
 * Keyword ranking (BM25 with prefix and typo-tolerant matching) over one caller's memories.
 * Scores are in [0, 1]: the best match scores the share of the query's words it matched, the
 * rest relative to it.
 */
export class KeywordIndex {
  private readonly index = new MiniSearch<{ id: string; memory: string }>({
    fields: ['memory'],
    processTerm: indexTerm,
    searchOptions: {
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      combineWith: 'OR',
      boostDocument: (id) => 1 + (RECENCY_BOOST * (this.order.get(id as string) ?? 0)) / Math.max(1, this.order.size),
    },
  });
  /** Insertion order, for the recency boost. */
  private readonly order = new Map<string, number>();

  constructor(memories: Iterable<{ id: string; memory: string }> = []) {
    this.add(memories);
  }

  add(memories: Iterable<{ id: string; memory: string }>): void {
    const documents = [...memories].map(({ id, memory }) => ({ id, memory }));
    for (const document of documents) this.order.set(document.id, this.order.size + 1);
    this.index.addAll(documents);
  }

  search(query: string, limit: number): Array<{ id: string; score: number }> {
    const queryTerms = new Set(
      tokenize(query)
        .map(indexTerm)
        .filter((term): term is string => term !== null),
    );
    if (queryTerms.size === 0 || limit < 1) return [];
    const results = this.index.search(query).slice(0, limit);
    const best = results[0]?.score ?? 0;
    if (best <= 0) return [];
    const coverage = Math.min(1, new Set(results[0].queryTerms).size / queryTerms.size);
    return results.map((result) => ({
      id: result.id as string,
      score: Math.min(1, Math.max(0, (result.score / best) * coverage)),
    }));
  }
}

// ---- per-caller state and the files behind it --------------------------------------------------

interface StoredMemory {
  id: string;
  memory: string;
  metadata: MemoryMetadata;
  createdAt: string;
}

interface CallerMemories {
  /** Oldest first, as in the file. */
  memories: StoredMemory[];
  byId: Map<string, StoredMemory>;
  /** Built on the first search, then kept up to date. */
  index?: KeywordIndex;
  /** Size and mtime of the file as this process last saw it; undefined: no file. */
  fileVersion?: string;
  /** The file ends in a torn line (a crash mid-write): the next append starts a new line. */
  tornTail: boolean;
}

function copy(memory: StoredMemory): Memory {
  return { ...memory, metadata: { ...memory.metadata } };
}

function emptyCaller(): CallerMemories {
  return { memories: [], byId: new Map(), tornTail: false };
}

/** File names are the caller id in base64url: reversible, and safe on every file system. */
export function callerFileName(callerId: string): string {
  return `${Buffer.from(callerId, 'utf8').toString('base64url')}.jsonl`;
}

export function callerIdOfFileName(fileName: string): CallerId | undefined {
  if (!fileName.endsWith('.jsonl')) return undefined;
  const encoded = fileName.slice(0, -'.jsonl'.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64url').toString('utf8') as CallerId;
}

const registries = new Map<string, CallerRegistry>();

function sharedRegistry(directory: string): CallerRegistry {
  const resolved = path.resolve(directory);
  let registry = registries.get(resolved);
  if (!registry) {
    registry = new CallerRegistry(resolved);
    registries.set(resolved, registry);
  }
  return registry;
}

/**
 * The loaded callers of one directory (or of memory). Every operation on a caller runs after the
 * previous one on that caller has finished, so appends never interleave and a read never sees
 * half of a write.
 */
class CallerRegistry {
  private readonly loaded = new Map<string, CallerMemories>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private directoryReady?: Promise<unknown>;

  constructor(private readonly directory?: string) {}

  read<T>(callerId: string, view: (caller: CallerMemories) => T): Promise<T> {
    return this.exclusive(callerId, async () => view(await this.current(callerId)));
  }

  append(callerId: string, records: StoredMemory[]): Promise<void> {
    return this.exclusive(callerId, async () => {
      const caller = await this.current(callerId);
      if (this.directory !== undefined) {
        const lines = records.map((record) => `${JSON.stringify(record)}\n`).join('');
        caller.fileVersion = await this.appendDurably(callerId, (caller.tornTail ? '\n' : '') + lines);
        caller.tornTail = false;
      }
      caller.memories.push(...records);
      for (const record of records) caller.byId.set(record.id, record);
      caller.index?.add(records);
    });
  }

  erase(callerId: string): Promise<void> {
    return this.exclusive(callerId, async () => {
      this.loaded.delete(callerId);
      if (this.directory === undefined) return;
      try {
        await fs.unlink(this.fileOf(callerId));
      } catch (error) {
        if (!isMissing(error)) throw error;
        return;
      }
      await syncDirectory(this.directory);
    });
  }

  /**
   * Rewrites the caller's file without the memory: a new file, synced, renamed over the old one,
   * so a crash leaves either the old file or the new one. The caller's last memory takes the
   * file with it.
   */
  remove(callerId: string, memoryId: string): Promise<void> {
    return this.exclusive(callerId, async () => {
      const caller = await this.current(callerId);
      if (!caller.byId.has(memoryId)) return;
      const kept = caller.memories.filter((memory) => memory.id !== memoryId);
      if (this.directory !== undefined) {
        caller.fileVersion = await this.rewriteDurably(callerId, kept);
        caller.tornTail = false;
      }
      caller.memories = kept;
      caller.byId.delete(memoryId);
      caller.index = undefined;
    });
  }

  async callerIds(): Promise<CallerId[]> {
    if (this.directory === undefined) {
      return [...this.loaded].filter(([, caller]) => caller.memories.length > 0).map(([id]) => id as CallerId);
    }
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    return names.map(callerIdOfFileName).filter((id): id is CallerId => id !== undefined);
  }

  private exclusive<T>(callerId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(callerId) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(callerId, settled);
    void settled.then(() => {
      if (this.queues.get(callerId) === settled) this.queues.delete(callerId);
    });
    return result;
  }

  /** The caller as loaded, reloaded if another process changed or removed the file since. */
  private async current(callerId: string): Promise<CallerMemories> {
    const known = this.loaded.get(callerId);
    if (this.directory === undefined) {
      if (known) return known;
      const caller = emptyCaller();
      this.loaded.set(callerId, caller);
      return caller;
    }
    if (known && known.fileVersion === (await this.fileVersion(callerId))) return known;
    const caller = await this.load(callerId);
    this.loaded.set(callerId, caller);
    return caller;
  }

  private async load(callerId: string): Promise<CallerMemories> {
    const caller = emptyCaller();
    let content: Buffer;
    try {
      content = await fs.readFile(this.fileOf(callerId));
    } catch (error) {
      if (isMissing(error)) return caller;
      throw error;
    }
    caller.fileVersion = await this.fileVersion(callerId);
    const lines = content.toString('utf8').split('\n');
    // The last piece is '' after a complete final line; anything else is a write cut short.
    caller.tornTail = (lines.pop() ?? '') !== '';
    for (const line of lines) {
      const record = parseRecord(line);
      if (record) {
        caller.memories.push(record);
        caller.byId.set(record.id, record);
      }
    }
    return caller;
  }

  private async appendDurably(callerId: string, text: string): Promise<string | undefined> {
    const directory = this.directory as string;
    this.directoryReady ??= fs.mkdir(directory, { recursive: true });
    await this.directoryReady;
    const file = this.fileOf(callerId);
    const isNew = (await this.fileVersion(callerId)) === undefined;
    const handle = await fs.open(file, 'a');
    try {
      await handle.appendFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // A new file's name is only durable once its directory is synced.
    if (isNew) await syncDirectory(directory);
    return this.fileVersion(callerId);
  }

  private async rewriteDurably(callerId: string, records: StoredMemory[]): Promise<string | undefined> {
    const directory = this.directory as string;
    const file = this.fileOf(callerId);
    if (records.length === 0) {
      await fs.rm(file, { force: true });
    } else {
      const partial = `${file}.partial`;
      const handle = await fs.open(partial, 'w', 0o600);
      try {
        await handle.writeFile(records.map((record) => `${JSON.stringify(record)}\n`).join(''), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(partial, file);
    }
    await syncDirectory(directory);
    return this.fileVersion(callerId);
  }

  private async fileVersion(callerId: string): Promise<string | undefined> {
    try {
      const stat = await fs.stat(this.fileOf(callerId));
      return `${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private fileOf(callerId: string): string {
    return path.join(this.directory as string, callerFileName(callerId));
  }
}

function parseRecord(line: string): StoredMemory | undefined {
  if (line.trim() === '') return undefined;
  try {
    const record: unknown = JSON.parse(line);
    if (
      typeof record === 'object' &&
      record !== null &&
      typeof (record as StoredMemory).id === 'string' &&
      typeof (record as StoredMemory).memory === 'string' &&
      typeof (record as StoredMemory).createdAt === 'string' &&
      typeof (record as StoredMemory).metadata?.type === 'string'
    ) {
      return record as StoredMemory;
    }
  } catch {
    // A damaged line loses that memory, not the caller.
  }
  return undefined;
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot sync a directory; the file's own sync still holds.
  } finally {
    await handle?.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
