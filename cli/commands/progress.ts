/** What a progress bar writes to: a terminal, or a stream that is not one (then it stays quiet). */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const WIDTH = 24;
/** Redraws at most this often: a large export must not spend its time drawing. */
const REDRAW_MS = 100;

/**
 * One line, redrawn in place: `label [#########...............]  37/100`. Only on a terminal;
 * anywhere else (a pipe, a log file, a test) it prints nothing, so output stays parseable.
 */
export function progressBar(
  output: ProgressOutput,
  label: string,
): { update(done: number, total: number): void; finish(): void } {
  let drawnAt = 0;
  let drawn = false;
  const draw = (done: number, total: number) => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * WIDTH);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}`;
    output.write(`\r${line.slice(0, (output.columns ?? 80) - 1)}`);
    drawn = true;
  };
  return {
    update(done, total) {
      if (!output.isTTY) return;
      const now = Date.now();
      if (done < total && now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      draw(done, total);
    },
    finish() {
      if (drawn) output.write('\n');
    },
  };
}
