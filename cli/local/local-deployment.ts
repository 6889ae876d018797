import { isRunning } from '../../lambdas/local/data-directory-lock';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import { ENV } from '../../lambdas/shared/config';
import { EmbeddedMemoryStore } from '../../lambdas/shared/memory/embedded-store';
import { Mem0MemoryStore, mem0Client } from '../../lambdas/shared/memory/mem0-store';
import { agentCoreFromEnvironment } from '../../lambdas/shared/aws/agentcore-from-environment';
import type { MemoryStore } from '../../lambdas/shared/memory';
import { S3RVER_CREDENTIALS } from '../../lambdas/local/embedded-s3';
import { LOCAL_REGION } from '../../lambdas/local/lambda-context';
import { readLocalKeys } from '../../lambdas/local/local-secrets';
import { startLocalStack, type LocalStack } from '../../lambdas/local/local-stack';
import { readStackDescriptor } from '../../lambdas/local/stack-descriptor';
import { AdminError, EXIT, notFound, usageError } from '../admin-error';
import type { Deployment } from '../deployment';
import { readConfiguration, type DeploymentConfiguration } from '../deployment-configuration';
import { integrationFromEnvironment } from '../deployment-integration';
import { S3ArchiveAdmin } from '../s3-archive-admin';
import { LocalIngestQueue } from './local-ingest-queue';
import { LocalSecretsAdmin } from './local-secrets-admin';

type Env = Record<string, string | undefined>;

/** How long `quiesce` waits for the ingestion a start resumed. */
const QUIESCE_TIMEOUT_MS = 30_000;

export interface LocalDeploymentOptions {
  home: string;
  env: Env;
  /** Where the in-process stack's warnings go (its info lines are not printed). */
  log?: (line: string) => void;
}

/**
 * The local stack's data directory as a deployment. The running stack holds a lock on it, so:
 * - a stack is running on it: the CLI works through that stack, as a client (its S3 server, its
 *   HTTP endpoints and health, found in `stack.json`) and on the memory files, which the stack
 *   rereads when another process changed them;
 * - none is: the CLI starts one in-process on an ephemeral port, holding the lock for the
 *   command's duration, and stops it at the end. Archived payloads never ingested are ingested
 *   by that start, as by `npm start`.
 */
export async function openLocalDeployment(options: LocalDeploymentOptions): Promise<Deployment> {
  const home = path.resolve(options.home);
  if (!existsSync(home)) {
    throw notFound(
      `no local data directory at ${home}: start the local stack once (npm start), or pass --home (AGENTIC_MEMORY_HOME)`,
    );
  }
  const running = await readStackDescriptor(home);
  let started: LocalStack | undefined;
  let target: {
    url: string;
    archiveEndpoint: string;
    bucket: string;
    memoryBackend: 'embedded' | 'mem0' | 'agentcore';
  };
  let configuration: DeploymentConfiguration;
  if (running && isRunning(running.pid)) {
    target = running;
    // The running stack's own configuration: this command's environment may differ from the one it started with.
    configuration = running.configuration
      ? readConfiguration(running.configuration, `the configuration of the local stack in ${home} (stack.json)`)
      : readConfiguration(environmentConfiguration(options.env), 'the environment');
  } else {
    try {
      started = await startLocalStack({
        home,
        port: 0,
        env: options.env,
        log: { format: 'pretty', level: 'WARN', colours: false, write: (line) => options.log?.(line) },
      });
    } catch (error) {
      throw new AdminError(`could not open the local stack in ${home}: ${(error as Error).message}`, EXIT.failed, {
        cause: error,
      });
    }
    target = {
      url: started.url,
      archiveEndpoint: started.archive.endpoint,
      bucket: started.archive.bucket,
      memoryBackend: started.memoryBackend,
    };
    configuration = {
      memoryScope: started.configuration.memoryScope,
      retrieveAuth: started.configuration.retrieveAuth,
    };
  }

  const s3 = createS3Client({
    endpoint: target.archiveEndpoint,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
  });
  const description = `local stack in ${home}${started ? '' : ` (running at ${target.url})`}`;
  return {
    description,
    name: 'local',
    memory: localMemory(home, target.memoryBackend, options.env),
    archive: new S3ArchiveAdmin(s3, target.bucket, { versioned: false, commonPrefixes: false }),
    queue: new LocalIngestQueue({
      healthUrl: `${target.url}/health`,
      deadLetterDirectory: path.join(home, 'dead-letter'),
      s3,
      bucket: target.bucket,
    }),
    endpoints: {
      clientData: `${target.url}/client-data`,
      retrieve: `${target.url}/retrieve`,
      postCall: `${target.url}/post-call`,
    },
    configuration,
    endpointKeys: () => readLocalKeys(home, options.env),
    secrets: new LocalSecretsAdmin(home),
    // The CLI cannot see a running stack's environment: it reads the same variables from its own.
    integration: async () =>
      integrationFromEnvironment(options.env, {
        source: 'this environment (the variables npm start reads)',
        downloadsRecordings: Boolean(options.env.ELEVENLABS_API_KEY?.trim()),
      }),
    async quiesce() {
      if (!started) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        started.ingestIdle(),
        new Promise((resolve) => (timer = setTimeout(resolve, QUIESCE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    },
    async close() {
      s3.destroy();
      await started?.stop();
    },
  };
}

function environmentConfiguration(env: Env) {
  return {
    memoryScope: env[ENV.memoryScope],
    memoryScopeMap: env[ENV.memoryScopeMap],
    retrieveAuth: env[ENV.retrieveAuth],
  };
}

/** The memory store the stack uses: its files, Mem0 or AgentCore, configured from this environment as for npm start. */
function localMemory(home: string, backend: 'embedded' | 'mem0' | 'agentcore', env: Env): MemoryStore {
  if (backend === 'embedded') return new EmbeddedMemoryStore({ directory: path.join(home, 'memory') });
  if (backend === 'agentcore') {
    if (env.MEMORY_BACKEND?.trim() !== 'agentcore' || !env.AGENTCORE_MEMORY_ID?.trim())
      throw usageError(
        'the local stack keeps memories in AgentCore: set MEMORY_BACKEND=agentcore, AGENTCORE_MEMORY_ID (and AGENTCORE_ENDPOINT) as for npm start',
      );
    return agentCoreFromEnvironment({ env });
  }
  const apiKey = env.MEM0_API_KEY?.trim();
  if (!apiKey)
    throw usageError('the local stack keeps memories in Mem0: set MEM0_API_KEY (and MEM0_HOST) as for npm start');
  return new Mem0MemoryStore(async () => mem0Client(apiKey, env.MEM0_HOST?.trim() || undefined));
}
