import { createInterface } from 'node:readline';

/** The input the CLI reads answers from: the terminal (raw mode for hidden input) or a pipe. */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'PromptInterrupted';
  }
}

/**
 * Asks questions one line at a time. On a terminal a hidden question echoes nothing of what is
 * typed (raw mode; Backspace edits, Ctrl-C interrupts); from a pipe each answer is the next line,
 * so a script can feed secrets on standard input.
 */
export class Prompter {
  private lines?: AsyncIterator<string>;
  /** Typed ahead of the question being answered (a paste of several answers arrives as one chunk). */
  private typedAhead = '';

  constructor(
    private readonly input: PromptInput,
    private readonly output: PromptOutput,
  ) {}

  get interactive(): boolean {
    return Boolean(this.input.isTTY);
  }

  async ask(question: string): Promise<string> {
    this.output.write(question);
    return this.nextLine();
  }

  async askHidden(question: string): Promise<string> {
    this.output.write(question);
    if (!this.input.isTTY || !this.input.setRawMode) return this.nextLine();
    const input = this.input;
    const setRawMode = this.input.setRawMode.bind(this.input);
    return new Promise<string>((resolve, reject) => {
      let typed = '';
      let done = false;
      const finish = (settle: () => void) => {
        done = true;
        input.removeListener('data', onData);
        input.removeListener('end', onEnd);
        setRawMode(false);
        input.pause();
        this.output.write('\n');
        settle();
      };
      const onData = (chunk: Buffer | string) => {
        const chars = [...chunk.toString()];
        for (let i = 0; i < chars.length && !done; i++) {
          const char = chars[i];
          if (char === '\r' || char === '\n') {
            this.typedAhead = chars.slice(i + 1).join('');
            finish(() => resolve(typed));
          } else if (char === '\u0003' || char === '\u0004') {
            finish(() => reject(new PromptInterrupted()));
          } else if (char === '\u007f' || char === '\b') {
            typed = typed.slice(0, -1);
          } else if (char >= ' ') {
            typed += char;
          }
        }
      };
      const onEnd = () => finish(() => reject(new PromptInterrupted()));
      setRawMode(true);
      if (this.typedAhead !== '') {
        const ahead = this.typedAhead;
        this.typedAhead = '';
        onData(ahead);
        if (done) return;
      }
      input.on('data', onData);
      input.once('end', onEnd);
      input.resume();
    });
  }

  close(): void {
    void this.lines?.return?.();
  }

  private async nextLine(): Promise<string> {
    this.lines ??= createInterface({ input: this.input, terminal: false })[Symbol.asyncIterator]();
    const next = await this.lines.next();
    if (next.done) throw new PromptInterrupted();
    return next.value;
  }
}
