import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Where an interrupted backfill resumes: the conversations it has already handled, for one agent
 * and one time window. Written after every conversation (whole file, then renamed into place,
 * so an interruption never leaves half of it); removed when the backfill completes.
 */
export interface BackfillCheckpoint {
  agentId: string;
  /** The window, as unix seconds; a checkpoint of another window is not resumed. */
  startAfterUnix?: number;
  startBeforeUnix?: number;
  /** Conversation id → what was done with it. */
  handled: Record<string, string>;
}

export class CheckpointFile {
  private constructor(
    readonly file: string,
    readonly checkpoint: BackfillCheckpoint,
    /** How many conversations the interrupted run had handled. */
    readonly resumed: number,
  ) {}

  /** The checkpoint of an interrupted run of the same backfill, or a new one. */
  static async open(file: string, run: Omit<BackfillCheckpoint, 'handled'>): Promise<CheckpointFile> {
    let saved: BackfillCheckpoint | undefined;
    try {
      saved = JSON.parse(await readFile(file, 'utf8')) as BackfillCheckpoint;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    const same =
      saved !== undefined &&
      saved.agentId === run.agentId &&
      saved.startAfterUnix === run.startAfterUnix &&
      saved.startBeforeUnix === run.startBeforeUnix &&
      saved.handled !== null &&
      typeof saved.handled === 'object';
    const checkpoint = same ? saved! : { ...run, handled: {} };
    return new CheckpointFile(file, checkpoint, Object.keys(checkpoint.handled).length);
  }

  has(conversationId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.checkpoint.handled, conversationId);
  }

  async record(conversationId: string, outcome: string): Promise<void> {
    this.checkpoint.handled[conversationId] = outcome;
    await mkdir(path.dirname(this.file), { recursive: true });
    const partial = `${this.file}.partial`;
    await writeFile(partial, `${JSON.stringify(this.checkpoint)}\n`, { mode: 0o600 });
    await rename(partial, this.file);
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
