import { createLocalPowertools } from '../../lambdas/local/local-powertools';

function capture(format: 'pretty' | 'json') {
  const lines: Array<{ line: string; level: string }> = [];
  const { logger } = createLocalPowertools('post-call', {
    format,
    level: 'INFO',
    write: (line, level) => lines.push({ line, level }),
  });
  return { logger, lines };
}

describe('local Powertools logging', () => {
  it('prints one readable line per entry: time, level, service, message, extra keys', () => {
    const { logger, lines } = capture('pretty');
    logger.appendKeys({ caller: '+1…0142' });
    logger.info('post-call stored', { type: 'post_call_transcription', bytes: 6138, note: 'two words' });
    logger.debug('not shown at INFO');
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('INFO');
    expect(lines[0].line).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}post-call {3}post-call stored {2}caller=\+1…0142 type=post_call_transcription bytes=6138 note="two words"$/,
    );
  });

  it('shows an error as its name, message and where it was thrown, on the same line', () => {
    const { logger, lines } = capture('pretty');
    logger.error('request failed', new TypeError('bad thing'));
    expect(lines[0].level).toBe('ERROR');
    expect(lines[0].line).toMatch(
      /ERROR post-call {3}request failed {2}error="TypeError: bad thing \(.*local-powertools\.test\.ts:\d+\)"$/,
    );
    expect(lines[0].line).not.toContain('\n');
  });

  it('prints the JSON lines CloudWatch would get when the format is json', () => {
    const { logger, lines } = capture('json');
    logger.warn('memory unavailable', { error: 'timeout' });
    const entry = JSON.parse(lines[0].line) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'WARN',
      message: 'memory unavailable',
      service: 'post-call',
      error: 'timeout',
    });
    expect(typeof entry.timestamp).toBe('string');
  });

  it('keeps its output in child loggers', () => {
    const { logger, lines } = capture('pretty');
    logger.createChild({ serviceName: 'child' }).info('from the child');
    expect(lines[0].line).toContain('child       from the child');
  });
});
