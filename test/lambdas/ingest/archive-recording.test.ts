import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createRecordingArchiver, type RecordingArchiver } from '../../../lambdas/ingest/archive-recording';
import { audioKey } from '../../../lambdas/shared/archive/archive-keys';
import { S3RecordingArchive } from '../../../lambdas/shared/archive/recording-archive';
import { DeadlineExceededError } from '../../../lambdas/shared/deadline';
import { ElevenLabsRecordings, RecordingDownloadError } from '../../../lambdas/shared/elevenlabs/recordings';
import { ElevenLabsLoopback } from '../../support/elevenlabs-server';
import { startLocalS3, type LocalS3 } from '../../support/s3';
import { TestBed } from '../../support/test-bed';

const MB = 1024 * 1024;
const FAST_RETRIES = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 };

let elevenlabs: ElevenLabsLoopback;
let s3: LocalS3;
/** Every S3 command the archive sent, with when it started. */
let commands: Array<{ name: string; at: number }>;

beforeEach(async () => {
  [elevenlabs, s3] = await Promise.all([ElevenLabsLoopback.start(), startLocalS3()]);
  commands = [];
  s3.s3.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ name: context.commandName as string, at: performance.now() });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});

afterEach(async () => {
  await Promise.all([elevenlabs.close(), s3.close()]);
});

function archiver(options: { deadlineMs?: number; apiKey?: string } = {}): RecordingArchiver {
  return createRecordingArchiver({
    source: new ElevenLabsRecordings(async () => options.apiKey ?? elevenlabs.apiKey, elevenlabs.url),
    archive: new S3RecordingArchive(s3.s3, s3.bucket),
    deadlineMs: options.deadlineMs ?? 60_000,
    retries: FAST_RETRIES,
  });
}

async function archivedHash(key: string): Promise<string> {
  const object = await s3.s3.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

const named = (name: string) => commands.filter((command) => command.name === name);

describe('recordings of any length', () => {
  it('streams a 50 MB recording from ElevenLabs into the archive as a multipart upload', async () => {
    elevenlabs.addRecording('conv_two_hours', 50 * MB);

    await expect(archiver()('conv_two_hours')).resolves.toBe('archived');

    expect(await archivedHash(audioKey('conv_two_hours'))).toBe(elevenlabs.expectedHash('conv_two_hours'));
    expect(elevenlabs.requests).toEqual([
      { path: '/v1/convai/conversations/conv_two_hours/audio', apiKey: elevenlabs.apiKey },
    ]);
    // 50 MB in 8 MB parts; s3rver assembles them on CompleteMultipartUpload.
    expect(named('CreateMultipartUploadCommand')).toHaveLength(1);
    expect(named('UploadPartCommand')).toHaveLength(7);
    expect(named('CompleteMultipartUploadCommand')).toHaveLength(1);
    // Streamed, not buffered: parts were on their way to S3 before ElevenLabs had sent the end.
    expect(named('UploadPartCommand')[0].at).toBeLessThan(elevenlabs.finishedAt.get('conv_two_hours') as number);
    expect((await s3.getObject(audioKey('conv_two_hours'))).contentType).toBe('audio/mpeg');
  });

  it('is idempotent: a recording already archived is not downloaded again', async () => {
    elevenlabs.addRecording('conv_1', 1 * MB);
    const archive = archiver();
    await expect(archive('conv_1')).resolves.toBe('archived');
    await expect(archive('conv_1')).resolves.toBe('already archived');
    expect(elevenlabs.requests).toHaveLength(1);
  });

  it('keeps audio the post-call webhook already archived under the same key', async () => {
    await s3.archive.putAudio(audioKey('conv_webhook'), Buffer.from('webhook audio'));
    elevenlabs.addRecording('conv_webhook', 1 * MB);
    await expect(archiver()('conv_webhook')).resolves.toBe('already archived');
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('retries a download cut off mid-stream, and archives the whole recording, never a part of it', async () => {
    elevenlabs.addRecording('conv_dropped', 20 * MB);
    elevenlabs.behave({ mode: 'drop', afterBytes: 12 * MB, times: 1 });

    await expect(archiver()('conv_dropped')).resolves.toBe('archived');

    expect(elevenlabs.requests).toHaveLength(2);
    expect(await archivedHash(audioKey('conv_dropped'))).toBe(elevenlabs.expectedHash('conv_dropped'));
  });

  it('retries ElevenLabs outages and rate limits with backoff', async () => {
    elevenlabs.addRecording('conv_busy', 1 * MB);
    elevenlabs.behave({ mode: 'status', status: 429, times: 2 });
    await expect(archiver()('conv_busy')).resolves.toBe('archived');
    expect(elevenlabs.requests).toHaveLength(3);
  });

  it('fails at once, without retrying, when ElevenLabs refuses the API key', async () => {
    elevenlabs.addRecording('conv_1', 1 * MB);
    const failure = await archiver({ apiKey: 'xi-wrong' })('conv_1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RecordingDownloadError);
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 401') });
    expect(JSON.stringify(failure)).not.toContain('xi-wrong');
    expect(elevenlabs.requests).toHaveLength(1);
  });

  it('reports a conversation without a recording (404) as none, and archives nothing', async () => {
    await expect(archiver()('conv_without_audio')).resolves.toBe('none');
    expect(await s3.listKeys('post-call/audio/')).toEqual([]);
  });

  it('gives up at the deadline when ElevenLabs stops sending, and leaves no object behind', async () => {
    elevenlabs.addRecording('conv_stalled', 1 * MB);
    elevenlabs.behave({ mode: 'stall' });
    const startedAt = performance.now();

    await expect(archiver({ deadlineMs: 300 })('conv_stalled')).rejects.toBeInstanceOf(DeadlineExceededError);

    expect(performance.now() - startedAt).toBeLessThan(2000);
    expect(await s3.listKeys('post-call/audio/')).toEqual([]);
  });
});

describe('the ingest worker downloads the recording of every transcribed call that has audio', () => {
  let bed: TestBed;
  afterEach(async () => {
    await bed.stop();
  });

  const transcription = (conversationId: string, hasAudio: boolean) => ({
    type: 'post_call_transcription',
    event_timestamp: 1768404600,
    data: {
      agent_id: 'agent_1',
      conversation_id: conversationId,
      has_audio: hasAudio,
      transcript: [{ role: 'user', message: 'Please remember that I prefer the window table.' }],
      metadata: {
        start_time_unix_secs: 1768404000,
        call_duration_secs: 7200,
        phone_call: { external_number: '+16125550142' },
      },
      analysis: { transcript_summary: 'The caller prefers the window table.' },
    },
  });

  it('after the memories are written; a call without audio is not asked for', async () => {
    bed = await TestBed.start({
      recordings: (localS3) =>
        createRecordingArchiver({
          source: new ElevenLabsRecordings(async () => elevenlabs.apiKey, elevenlabs.url),
          archive: new S3RecordingArchive(localS3.s3, localS3.bucket),
          deadlineMs: 30_000,
        }),
    });
    elevenlabs.addRecording('conv_long_call', 12 * MB);
    elevenlabs.addRecording('conv_no_audio', 1 * MB);
    expect((await bed.deliverPostCall(transcription('conv_long_call', true))).statusCode).toBe(200);
    expect((await bed.deliverPostCall(transcription('conv_no_audio', false))).statusCode).toBe(200);

    expect(await bed.drainIngest()).toEqual({ batchItemFailures: [] });

    expect(await bed.s3.listKeys('post-call/audio/')).toEqual([audioKey('conv_long_call')]);
    expect(elevenlabs.requests.map((request) => request.path)).toEqual([
      '/v1/convai/conversations/conv_long_call/audio',
    ]);
    expect(bed.mem0.memoriesOf('+16125550142').length).toBeGreaterThan(0);
  });

  it('fails the record when the download fails, so the queue redelivers it; memories are not written twice', async () => {
    bed = await TestBed.start({
      recordings: (localS3) =>
        createRecordingArchiver({
          source: new ElevenLabsRecordings(async () => elevenlabs.apiKey, elevenlabs.url),
          archive: new S3RecordingArchive(localS3.s3, localS3.bucket),
          deadlineMs: 30_000,
          retries: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        }),
    });
    elevenlabs.addRecording('conv_outage', 1 * MB);
    elevenlabs.behave({ mode: 'status', status: 503, times: 1 });
    await bed.deliverPostCall(transcription('conv_outage', true));
    const notifications = bed.pendingNotifications();

    expect((await bed.drainIngest()).batchItemFailures).toHaveLength(1);
    const memoriesAfterFirst = bed.mem0.memoriesOf('+16125550142').length;
    expect(await bed.redeliver(notifications)).toEqual({ batchItemFailures: [] });

    expect(await bed.s3.listKeys('post-call/audio/')).toEqual([audioKey('conv_outage')]);
    expect(bed.mem0.memoriesOf('+16125550142')).toHaveLength(memoriesAfterFirst);
  });

  it('without an ElevenLabs API key, downloads nothing', async () => {
    bed = await TestBed.start();
    elevenlabs.addRecording('conv_long_call', 1 * MB);
    await bed.deliverPostCall(transcription('conv_long_call', true));
    expect(await bed.drainIngest()).toEqual({ batchItemFailures: [] });
    expect(elevenlabs.requests).toHaveLength(0);
    expect(await bed.s3.listKeys('post-call/audio/')).toEqual([]);
  });
});
