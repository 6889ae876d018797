import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { demoCall } from '../../lambdas/local/demo-call';
import { InProcessQueue } from '../../lambdas/local/in-process-queue';
import { audioKey } from '../../lambdas/shared/archive/archive-keys';
import { ElevenLabsLoopback } from '../support/elevenlabs-server';
import { S3RVER_CREDENTIALS } from '../../lambdas/local/embedded-s3';
import type { LocalStack } from '../../lambdas/local/local-stack';
import { S3ArchiveAdmin, listAll } from '../../cli/s3-archive-admin';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import { postCall, removeHome, startTestStack, tempHome } from './local-stack-support';

describe('what the local stack tells the admin CLI', () => {
  it('announces its endpoints and S3 server in stack.json while it runs (no secret in it), and removes it at stop', async () => {
    const home = await tempHome();
    try {
      const { stack } = await startTestStack(home);
      const descriptor = JSON.parse(readFileSync(path.join(home, 'stack.json'), 'utf8')) as Record<string, unknown>;
      expect(descriptor).toMatchObject({
        pid: process.pid,
        url: stack.url,
        archiveEndpoint: stack.archive.endpoint,
        bucket: stack.archive.bucket,
        memoryBackend: 'embedded',
        configuration: { memoryScope: 'deployment', retrieveAuth: 'token-or-key' },
      });
      for (const key of Object.values(stack.keys)) expect(JSON.stringify(descriptor)).not.toContain(key);
      await stack.stop();
      expect(existsSync(path.join(home, 'stack.json'))).toBe(false);
    } finally {
      await removeHome(home);
    }
  });

  it('states the memory scope, its map and the search auth it runs with, as the environment set them', async () => {
    const home = await tempHome();
    try {
      const map = { 'clinic-a': ['agent_front', 'agent_nurse'], 'clinic-b': ['agent_lab'] };
      const { stack } = await startTestStack(home, {
        env: { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: JSON.stringify(map), RETRIEVE_AUTH: 'token' },
      });
      const descriptor = JSON.parse(readFileSync(path.join(home, 'stack.json'), 'utf8')) as {
        configuration: { memoryScopeMap: string };
      };
      expect(descriptor.configuration).toMatchObject({ memoryScope: 'agent', retrieveAuth: 'token' });
      expect(JSON.parse(descriptor.configuration.memoryScopeMap)).toEqual(map);
      await stack.stop();
    } finally {
      await removeHome(home);
    }
  });

  it('reports the age of the oldest message waiting in its ingest queue', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const queue = new InProcessQueue({
      name: 'q',
      handler: async () => {
        await blocked;
        return { batchItemFailures: [] };
      },
      functionName: 'f',
      functionTimeoutMs: 1000,
      batchSize: 1,
      maxReceiveCount: 3,
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
      onDelivered: async () => undefined,
      onDeadLetter: async () => undefined,
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    expect(queue.oldestSentAt).toBeUndefined();
    const before = Date.now();
    queue.send('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.send('second');
    // The first is being processed, the second waits: the oldest is the first.
    expect(queue.oldestSentAt).toBeGreaterThanOrEqual(before);
    expect(queue.oldestSentAt).toBeLessThan(Date.now() - 15);
    release();
    await queue.idle();
    expect(queue.oldestSentAt).toBeUndefined();
  });
});

describe('recordings on the local stack (ELEVENLABS_API_KEY)', () => {
  it('downloads the recording of a transcribed call with audio into the archive, as on AWS', async () => {
    const home = await tempHome();
    const elevenlabs = await ElevenLabsLoopback.start();
    let stack: LocalStack | undefined;
    try {
      stack = (
        await startTestStack(home, {
          env: { ELEVENLABS_API_KEY: elevenlabs.apiKey, ELEVENLABS_API_HOST: elevenlabs.url },
        })
      ).stack;
      const call = demoCall({ callerId: '+16125550142', callerName: 'Margaret Ellison' });
      (call.payload.data as Record<string, unknown>).has_audio = true;
      elevenlabs.addRecording(call.conversationId, 3 * 1024 * 1024);

      expect((await postCall(stack, JSON.stringify(call.payload))).status).toBe(200);
      await stack.ingestIdle();

      expect(elevenlabs.requests).toEqual([
        { path: `/v1/convai/conversations/${call.conversationId}/audio`, apiKey: elevenlabs.apiKey },
      ]);
      const s3 = createS3Client({
        endpoint: stack.archive.endpoint,
        region: 'us-east-1',
        credentials: S3RVER_CREDENTIALS,
      });
      const archive = new S3ArchiveAdmin(s3, stack.archive.bucket, { versioned: false });
      expect(await listAll(archive, 'post-call/audio/')).toEqual([
        { key: audioKey(call.conversationId), size: 3 * 1024 * 1024 },
      ]);
      s3.destroy();
    } finally {
      await stack?.stop();
      await elevenlabs.close();
      await removeHome(home);
    }
  });
});
