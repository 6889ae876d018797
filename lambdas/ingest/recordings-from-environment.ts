import { createS3Client } from '../shared/archive/archive';
import { S3RecordingArchive } from '../shared/archive/recording-archive';
import { ENV, ingestSettings, requiredEnv, type Secrets } from '../shared/config';
import { DEFAULT_ELEVENLABS_API_HOST, ElevenLabsRecordings } from '../shared/elevenlabs/recordings';
import { createRecordingArchiver, type RecordingArchiver } from './archive-recording';

/**
 * The recording downloader when the deployment has an ElevenLabs API key secret; without one,
 * only the audio the post-call webhook carried is archived.
 */
export function recordingsFromEnvironment(secrets: Secrets, env = process.env): RecordingArchiver | undefined {
  if (!env[ENV.elevenLabsApiKeySecretId]?.trim()) return undefined;
  const host = env[ENV.elevenLabsApiHost]?.trim() || DEFAULT_ELEVENLABS_API_HOST;
  return createRecordingArchiver({
    source: new ElevenLabsRecordings(() => secrets.get('elevenLabsApiKey'), host),
    archive: new S3RecordingArchive(
      createS3Client({ endpoint: env[ENV.archiveEndpoint] }),
      requiredEnv(ENV.archiveBucket, env),
    ),
    deadlineMs: ingestSettings(env).recordingDeadlineMs,
  });
}
