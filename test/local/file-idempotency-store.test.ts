import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { FileIdempotencyStore } from '../../lambdas/local/file-idempotency-store';
import { removeHome, tempHome } from './local-stack-support';

interface Job {
  idempotencyKey: string;
  value: string;
}

/** The idempotency configuration of the ingest worker (lambdas/ingest/idempotency.ts), with a short expiry option. */
function idempotentJob(store: FileIdempotencyStore, work: (job: Job) => Promise<unknown>, expiresAfterSeconds = 3600) {
  return makeIdempotent(work, {
    persistenceStore: store,
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      expiresAfterSeconds,
      throwOnNoIdempotencyKey: true,
    }),
  });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FileIdempotencyStore', () => {
  let directory: string;
  const store = (leaseMs = 60_000) => new FileIdempotencyStore({ directory, inProgressLeaseMs: leaseMs });

  beforeEach(async () => {
    directory = await tempHome();
  });
  afterEach(async () => {
    await removeHome(directory);
  });

  it('runs a key once: the second call returns the stored result without running', async () => {
    const work = jest.fn(async (job: Job) => ({ wrote: job.value }));
    const once = idempotentJob(store(), work);
    await expect(once({ idempotencyKey: 'conv_1:factual', value: 'a' })).resolves.toEqual({ wrote: 'a' });
    await expect(once({ idempotencyKey: 'conv_1:factual', value: 'a' })).resolves.toEqual({ wrote: 'a' });
    expect(work).toHaveBeenCalledTimes(1);
    await expect(once({ idempotencyKey: 'conv_1:profile', value: 'b' })).resolves.toEqual({ wrote: 'b' });
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('remembers completed keys across a restart (a new instance on the same directory)', async () => {
    const work = jest.fn(async () => ({ ok: true }));
    await idempotentJob(store(), work)({ idempotencyKey: 'k', value: 'v' });
    await expect(idempotentJob(store(), work)({ idempotencyKey: 'k', value: 'v' })).resolves.toEqual({ ok: true });
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('refuses a key that is in progress in this process, and runs it again after a failure', async () => {
    const gate = deferred();
    let runs = 0;
    const once = idempotentJob(store(), async () => {
      runs += 1;
      if (runs === 1) {
        await gate.promise;
        throw new Error('memory store down');
      }
      return 'written';
    });
    const first = once({ idempotencyKey: 'k', value: 'v' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(once({ idempotencyKey: 'k', value: 'v' })).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    gate.resolve();
    await expect(first).rejects.toThrow('memory store down');
    await expect(once({ idempotencyKey: 'k', value: 'v' })).resolves.toBe('written');
    expect(runs).toBe(2);
  });

  it('takes over an in-progress record left by an earlier instance (a process killed mid-write)', async () => {
    const crashed = idempotentJob(store(), () => new Promise(() => undefined));
    void crashed({ idempotencyKey: 'k', value: 'v' });
    await waitForFiles(directory, 1);

    const work = jest.fn(async () => 'written');
    await expect(idempotentJob(store(), work)({ idempotencyKey: 'k', value: 'v' })).resolves.toBe('written');
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('takes over an in-progress record of its own once the lease has passed', async () => {
    const shared = store(20);
    void idempotentJob(shared, () => new Promise(() => undefined))({ idempotencyKey: 'k', value: 'v' });
    await waitForFiles(directory, 1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await expect(idempotentJob(shared, async () => 'written')({ idempotencyKey: 'k', value: 'v' })).resolves.toBe(
      'written',
    );
  });

  it('writes an expired key again, and sweeps expired records away', async () => {
    const work = jest.fn(async () => 'written');
    await idempotentJob(store(), work, 1)({ idempotencyKey: 'k', value: 'v' });
    const later = Date.now() + 5000;
    const now = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      await idempotentJob(store(), work, 1)({ idempotencyKey: 'k', value: 'v' });
      expect(work).toHaveBeenCalledTimes(2);
      expect(await store().sweepExpired(later + 5000)).toBe(1);
    } finally {
      now.mockRestore();
    }
    expect(await readdir(directory)).toEqual([]);
  });

  it('reads records back with the attributes Powertools wrote', async () => {
    const layer = store();
    layer.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey' }) });
    await layer.saveInProgress({ idempotencyKey: 'k' });
    await layer.saveSuccess({ idempotencyKey: 'k' }, { written: 'profile' });
    const record = await layer.getRecord({ idempotencyKey: 'k' });
    expect(record).toBeInstanceOf(IdempotencyRecord);
    expect(record.getStatus()).toBe('COMPLETED');
    expect(record.getResponse()).toEqual({ written: 'profile' });
  });

  it('fails loudly on a record file that is not JSON', async () => {
    const layer = store();
    layer.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey' }) });
    await layer.saveInProgress({ idempotencyKey: 'k' });
    const [file] = await readdir(directory);
    await writeFile(path.join(directory, file), '{torn');
    await expect(layer.getRecord({ idempotencyKey: 'k' })).rejects.toThrow(SyntaxError);
  });
});

async function waitForFiles(directory: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const files = (await readdir(directory).catch(() => [])).filter((f) => f.endsWith('.json'));
    if (files.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no idempotency record appeared in ${directory}`);
}
