import * as path from 'node:path';
import { build } from 'esbuild';
import { agentCoreFromEnvironment } from '../../../../lambdas/shared/aws/agentcore-from-environment';
import { memoryBackendOf, requireMemoryBackend } from '../../../../lambdas/shared/config/memory-backend';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../../../support/agentcore-server';
import { identity } from './memory-store-contract';

const ROOT = path.resolve(__dirname, '../../../..');
const alice = identity('+14155550100');

describe('MEMORY_BACKEND', () => {
  it('is mem0 unless set to agentcore; anything else is refused by name', () => {
    expect(memoryBackendOf({})).toBe('mem0');
    expect(memoryBackendOf({ MEMORY_BACKEND: ' agentcore ' })).toBe('agentcore');
    expect(() => memoryBackendOf({ MEMORY_BACKEND: 'embedded' })).toThrow(
      'MEMORY_BACKEND must be one of mem0, agentcore; got "embedded"',
    );
  });

  it('a function bundled for one backend refuses to start configured for the other', () => {
    expect(() => requireMemoryBackend('mem0', { MEMORY_BACKEND: 'agentcore' })).toThrow(
      'this function was bundled for the mem0 memory backend, but MEMORY_BACKEND is agentcore',
    );
    expect(() => requireMemoryBackend('agentcore', {})).toThrow('bundled for the agentcore memory backend');
    expect(() => requireMemoryBackend('mem0', {})).not.toThrow();
  });
});

describe('agentCoreFromEnvironment', () => {
  let server: AgentCoreLoopbackServer;
  beforeEach(async () => {
    server = await startAgentCoreServer();
  });
  afterEach(() => server.close());

  const env = (extra: Record<string, string> = {}) => ({
    MEMORY_BACKEND: 'agentcore',
    AGENTCORE_MEMORY_ID: server.memoryId,
    AGENTCORE_ENDPOINT: server.url,
    AWS_REGION: 'eu-west-1',
    ...extra,
  });

  it('needs MEMORY_BACKEND=agentcore and the memory id', () => {
    expect(() => agentCoreFromEnvironment({ env: { AGENTCORE_MEMORY_ID: server.memoryId } })).toThrow(
      'bundled for the agentcore memory backend',
    );
    expect(() => agentCoreFromEnvironment({ env: { MEMORY_BACKEND: 'agentcore' } })).toThrow(
      'invalid configuration: AGENTCORE_MEMORY_ID is not set',
    );
  });

  it('talks to the endpoint override, signing with the credentials configured beside it', async () => {
    const store = agentCoreFromEnvironment({
      env: env({ AWS_ACCESS_KEY_ID: 'AKIDFROMCONFIG', AWS_SECRET_ACCESS_KEY: 'configured-secret' }),
    });
    await store.list(alice, { type: 'factual', limit: 1 });
    const authorization = String(server.requests[0].headers.authorization);
    expect(authorization).toContain('Credential=AKIDFROMCONFIG/');
    expect(authorization).toContain('/eu-west-1/bedrock-agentcore/aws4_request');
    expect(server.requests[0].path).toBe(`/memories/${server.memoryId}/memoryRecords`);
  });

  it('signs for a loopback endpoint without AWS credentials anywhere, so npm start needs no AWS account', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      await agentCoreFromEnvironment({ env: env() }).list(alice, { type: 'factual', limit: 1 });
      expect(String(server.requests[0].headers.authorization)).toContain('Credential=agentic-memory-loopback/');
    } finally {
      if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('aborts each request at the deadline it is given', async () => {
    server.behave({ mode: 'hang' });
    const store = agentCoreFromEnvironment({ env: env(), requestTimeoutMs: 150 });
    await expect(store.search(alice, 'anything', { limit: 1 })).rejects.toThrow(
      'AgentCore RetrieveMemoryRecords did not answer within 150 ms',
    );
  });
});

describe('entry files', () => {
  const SERVICES = ['client-data', 'retrieve', 'ingest', 'retention'];
  const PACKAGE = { mem0: /node_modules\/mem0ai\//, agentcore: /node_modules\/@aws-sdk\/client-bedrock-agentcore\// };

  /** Which inputs a bundle of the entry pulls in (the construct's esbuild resolution: ES modules first). */
  async function inputsOf(entry: string): Promise<string[]> {
    const result = await build({
      entryPoints: [path.join(ROOT, 'lambdas', entry)],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      logLevel: 'silent',
      outfile: path.join(ROOT, 'cdk.out', 'entry-check.js'),
    });
    return Object.keys(result.metafile.inputs);
  }

  it.each(SERVICES)(
    '%s: index.ts bundles the Mem0 client only, index-agentcore.ts the AgentCore client only',
    async (service) => {
      const mem0 = await inputsOf(`${service}/index.ts`);
      const agentcore = await inputsOf(`${service}/index-agentcore.ts`);
      expect(mem0.some((input) => PACKAGE.mem0.test(input))).toBe(true);
      expect(mem0.some((input) => PACKAGE.agentcore.test(input))).toBe(false);
      expect(agentcore.some((input) => PACKAGE.agentcore.test(input))).toBe(true);
      expect(agentcore.some((input) => PACKAGE.mem0.test(input))).toBe(false);
    },
  );

  it('each entry refuses to start configured for the other backend', () => {
    const load = (entry: string, environment: Record<string, string>) => {
      const saved = { ...process.env };
      Object.assign(process.env, environment);
      try {
        let handler: unknown;
        jest.isolateModules(() => {
          handler = jest.requireActual<{ handler: unknown }>(path.join(ROOT, 'lambdas', entry)).handler;
        });
        return handler;
      } finally {
        for (const key of Object.keys(environment)) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    };
    expect(() => load('retrieve/index.ts', { MEMORY_BACKEND: 'agentcore' })).toThrow('bundled for the mem0');
    expect(() => load('retrieve/index-agentcore.ts', { MEMORY_BACKEND: 'mem0' })).toThrow('bundled for the agentcore');
    const handler = load('retrieve/index-agentcore.ts', {
      MEMORY_BACKEND: 'agentcore',
      AGENTCORE_MEMORY_ID: 'agenticMemory-0123456789',
    });
    expect(typeof handler).toBe('function');
  });
});
