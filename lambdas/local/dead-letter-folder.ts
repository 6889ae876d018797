import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { QueueMessage } from './in-process-queue';

export interface DeadLetter {
  /** The inbox keys the message was about. */
  keys: string[];
  reason: string;
  deadLetteredAt: string;
  message: QueueMessage;
}

/**
 * The local dead-letter queue: one JSON file per message that failed every delivery. A start
 * does not resend an inbox key that is here; deleting the file (after fixing the cause) and
 * restarting retries it, as a redrive does on AWS.
 */
export class DeadLetterFolder {
  constructor(readonly directory: string) {}

  async put(letter: DeadLetter): Promise<string> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = path.join(
      this.directory,
      `${letter.deadLetteredAt.replace(/[:.]/g, '-')}-${letter.message.messageId}.json`,
    );
    const partial = `${file}.partial`;
    await writeFile(partial, `${JSON.stringify(letter, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, file);
    return file;
  }

  /** Every inbox key some dead letter is about. */
  async keys(): Promise<Set<string>> {
    const keys = new Set<string>();
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return keys;
      throw error;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const letter = JSON.parse(await readFile(path.join(this.directory, name), 'utf8')) as Partial<DeadLetter>;
        for (const key of letter.keys ?? []) keys.add(key);
      } catch {
        // A file a person edited into invalid JSON no longer holds its key back.
      }
    }
    return keys;
  }
}
