import { createInterface } from 'node:readline';

/** The input the CLI reads answers from: the terminal (raw mode for hidden input) or a pipe. */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

/** How long a Ctrl-C that interrupted a question keeps the next one from ending the process. */
const INTERRUPT_GRACE_MS = 1000;

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

  /**
   * One line of answer. At a terminal, Ctrl-C (a signal there, not a character) and end of input
   * interrupt the question; the line the question left open is ended first, so whatever is
   * printed next starts on a line of its own.
   */
  async ask(question: string): Promise<string> {
    this.output.write(question);
    if (!this.interactive) return this.nextLine();
    let onInterrupt: () => void = () => undefined;
    const interrupted = new Promise<never>((_, reject) => {
      onInterrupt = () => reject(new PromptInterrupted());
    });
    process.on('SIGINT', onInterrupt);
    try {
      const answer = await Promise.race([this.nextLine(), interrupted]);
      process.removeListener('SIGINT', onInterrupt);
      return answer;
    } catch (error) {
      if (error instanceof PromptInterrupted) this.output.write('\n');
      // Under npx one Ctrl-C arrives twice (from the terminal, and forwarded by npm): the second
      // must not kill the process before it has said what happened.
      setTimeout(() => process.removeListener('SIGINT', onInterrupt), INTERRUPT_GRACE_MS).unref();
      throw error;
    }
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
