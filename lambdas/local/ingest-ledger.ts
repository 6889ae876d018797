import { mkdir, open, readFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * The inbox keys the ingest worker has finished with, one JSON line each, appended and synced
 * before the queue forgets the message. Whatever the inbox holds beyond this list was archived
 * (so acknowledged to ElevenLabs) but not yet ingested: a start resends it.
 */
export class IngestLedger {
  private appending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly keys: Set<string>,
    /** The file ends in a line cut short by a crash: the next entry starts on a new line. */
    private tornTail: boolean,
  ) {}

  static async open(file: string): Promise<IngestLedger> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const keys = new Set<string>();
    for (const line of text.split('\n')) {
      const key = keyOf(line);
      if (key !== undefined) keys.add(key);
    }
    return new IngestLedger(file, keys, text !== '' && !text.endsWith('\n'));
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  async record(key: string): Promise<void> {
    if (this.keys.has(key)) return;
    const line = `${JSON.stringify({ key, at: new Date().toISOString() })}\n`;
    const append = this.appending.then(async () => {
      const handle = await open(this.file, 'a', 0o600);
      try {
        await handle.appendFile(this.tornTail ? `\n${line}` : line, 'utf8');
        await handle.sync();
        this.tornTail = false;
      } finally {
        await handle.close();
      }
    });
    this.appending = append.catch(() => undefined);
    await append;
    this.keys.add(key);
  }
}

function keyOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const entry = JSON.parse(line) as { key?: unknown };
    return typeof entry.key === 'string' ? entry.key : undefined;
  } catch {
    return undefined;
  }
}
