import { withRetries } from '../../../lambdas/shared/retry';

class Flaky extends Error {}

describe('withRetries', () => {
  const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, retryable: (e: unknown) => e instanceof Flaky };

  it('retries retryable failures until one attempt succeeds', async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      if (++calls < 3) throw new Flaky();
      return 'done';
    }, policy);
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw new Flaky(`attempt ${calls}`);
      }, policy),
    ).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it('throws other errors at once', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw new Error('bad request');
      }, policy),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });
});
