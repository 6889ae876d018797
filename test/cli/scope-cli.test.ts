import * as path from 'node:path';
import type { CallerExport } from '../../cli/export';
import { S3ArchiveAdmin, listAll } from '../../cli/s3-archive-admin';
import { demoCall } from '../../lambdas/local/demo-call';
import { S3RVER_CREDENTIALS } from '../../lambdas/local/embedded-s3';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import { audioKey, callerClientDataPrefix, callerPrefix } from '../../lambdas/shared/archive/archive-keys';
import { scopedIdentity, type CallerId } from '../../lambdas/shared/caller';
import { EmbeddedMemoryStore } from '../../lambdas/shared/memory/embedded-store';
import {
  dynamicVariables,
  postCall,
  preCallTo,
  recall,
  removeHome,
  startTestStack,
  tempHome,
  type TestStack,
} from '../local/local-stack-support';
import { cli } from './cli-support';

/** One phone, two businesses: the same number calls a dental practice and a bakery. */
const SHARED_PHONE = '+16125550142' as CallerId;
const OTHER_CALLER = '+13125550147' as CallerId;
const DENTAL = 'agent_dental_front';
const BAKERY = 'agent_harbor_bakery';

function archiveOf(test: TestStack): S3ArchiveAdmin {
  const { endpoint, bucket } = test.stack.archive;
  return new S3ArchiveAdmin(
    createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS }),
    bucket,
    { versioned: false },
  );
}

async function keys(test: TestStack, prefix: string): Promise<string[]> {
  return (await listAll(archiveOf(test), prefix)).map((object) => object.key);
}

/** A finished call of the caller to the agent (transcript and recording), then their next pre-call there. */
async function callOf(test: TestStack, callerId: string, callerName: string, agentId: string): Promise<string> {
  const call = demoCall({ callerId, callerName, agentId });
  expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
  const audio = {
    type: 'post_call_audio',
    event_timestamp: 1768404600,
    data: {
      agent_id: agentId,
      conversation_id: call.conversationId,
      full_audio: Buffer.from('ID3').toString('base64'),
    },
  };
  expect((await postCall(test.stack, JSON.stringify(audio))).status).toBe(200);
  await test.stack.ingestIdle();
  expect((await preCallTo(test.stack, callerId, agentId)).status).toBe(200);
  return call.conversationId;
}

async function exported(home: string, ...args: string[]): Promise<CallerExport> {
  const run = await cli(['export', ...args, '--local', '--home', home]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as CallerExport;
}

async function callerName(test: TestStack, callerId: string, agentId: string): Promise<string> {
  return dynamicVariables(await preCallTo(test.stack, callerId, agentId)).caller_name;
}

describe('export and forget in a deployment that keeps memory per agent (MEMORY_SCOPE=agent)', () => {
  let home: string;
  let test: TestStack;
  let dentalCall: string;
  let bakeryCall: string;
  let othersCall: string;
  const local = () => ['--local', '--home', home];
  const dentalIdentity = scopedIdentity(DENTAL, SHARED_PHONE);
  const bakeryIdentity = scopedIdentity(BAKERY, SHARED_PHONE);

  beforeAll(async () => {
    home = await tempHome();
    // The CLI below gets an empty environment: the scope comes from the running stack itself.
    test = await startTestStack(home, { env: { MEMORY_SCOPE: 'agent' } });
    dentalCall = await callOf(test, SHARED_PHONE, 'Margaret Ellison', DENTAL);
    bakeryCall = await callOf(test, SHARED_PHONE, 'Daniel Okafor', BAKERY);
    othersCall = await callOf(test, OTHER_CALLER, 'Priya Raman', DENTAL);
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('keeps the two businesses apart: each agent knows only the name said to it', async () => {
    expect(await callerName(test, SHARED_PHONE, DENTAL)).toBe('Margaret Ellison');
    expect(await callerName(test, SHARED_PHONE, BAKERY)).toBe('Daniel Okafor');
  });

  it('export without --scope: every scope of the caller, each item saying where it is held', async () => {
    const document = await exported(home, SHARED_PHONE);

    expect(document.scope).toBeUndefined();
    expect(document.identities).toEqual([
      { identity: dentalIdentity, scope: DENTAL },
      { identity: bakeryIdentity, scope: BAKERY },
    ]);
    expect(new Set(document.memories.map((memory) => memory.scope))).toEqual(new Set([DENTAL, BAKERY]));
    expect(document.conversations.map(({ conversationId, scope }) => ({ conversationId, scope }))).toEqual([
      { conversationId: dentalCall, scope: DENTAL },
      { conversationId: bakeryCall, scope: BAKERY },
    ]);
    expect(document.audioKeys.sort()).toEqual([audioKey(dentalCall), audioKey(bakeryCall)].sort());
    expect(new Set(document.preCallRecords.map((record) => record.scope))).toEqual(new Set([DENTAL, BAKERY]));
    expect(JSON.stringify(document)).not.toContain(othersCall);
  });

  it('export --scope AGENT: that scope only, nothing said to the other agent', async () => {
    const document = await exported(home, SHARED_PHONE, '--scope', DENTAL);

    expect(document.scope).toBe(DENTAL);
    expect(document.identities).toEqual([{ identity: dentalIdentity, scope: DENTAL }]);
    expect(document.memories.length).toBeGreaterThan(0);
    expect(document.memories.every((memory) => memory.identity === dentalIdentity)).toBe(true);
    expect(document.conversations.map((conversation) => conversation.conversationId)).toEqual([dentalCall]);
    const text = JSON.stringify(document);
    expect(text).not.toContain('Daniel');
    expect(text).not.toContain(bakeryCall);
  });

  it('forget --scope AGENT erases the caller there only: the other business still knows them', async () => {
    const run = await cli(['forget', SHARED_PHONE, '--scope', DENTAL, '--yes', ...local()]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Caller ${SHARED_PHONE} in scope ${DENTAL} in local stack`);
    expect(run.stdout).toContain(`memory identity ${dentalIdentity} (scope ${DENTAL})`);
    expect(run.stdout).not.toContain(bakeryIdentity);
    expect(run.stdout).toContain(`Caller ${SHARED_PHONE} is forgotten in scope ${DENTAL}`);

    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, DENTAL)).returning_caller).toBe('no');
    expect(await recall(test.stack, SHARED_PHONE, DENTAL, 'peanut allergy')).toEqual([]);
    expect(await keys(test, callerPrefix(dentalIdentity))).toEqual([]);
    expect(await keys(test, audioKey(dentalCall))).toEqual([]);
    expect((await keys(test, 'post-call/raw/')).filter((key) => key.includes(`/${dentalCall}/`))).toEqual([]);

    expect(await callerName(test, SHARED_PHONE, BAKERY)).toBe('Daniel Okafor');
    expect(await keys(test, audioKey(bakeryCall))).toEqual([audioKey(bakeryCall)]);
    expect(await callerName(test, OTHER_CALLER, DENTAL)).toBe('Priya Raman');
  });

  it('forget without --scope erases the caller in every scope', async () => {
    const run = await cli(['forget', SHARED_PHONE, '--yes', ...local()]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`memory identity ${bakeryIdentity} (scope ${BAKERY})`);
    // The dental scope holds only the pre-call records of the checks above: erased too.
    expect(run.stdout).toContain(`memory identity ${dentalIdentity} (scope ${DENTAL})`);
    expect(run.stdout).toContain(`Caller ${SHARED_PHONE} is forgotten: their next pre-call is a new caller's.`);

    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, BAKERY)).returning_caller).toBe('no');
    expect(await recall(test.stack, SHARED_PHONE, BAKERY, 'peanut allergy')).toEqual([]);
    expect(await keys(test, audioKey(bakeryCall))).toEqual([]);
    expect((await keys(test, 'post-call/raw/')).filter((key) => key.includes(`/${bakeryCall}/`))).toEqual([]);
    expect(await callerName(test, OTHER_CALLER, DENTAL)).toBe('Priya Raman');
  });

  it('--scope that is no agent id: usage (2)', async () => {
    const run = await cli(['export', OTHER_CALLER, '--scope', 'not an agent', ...local()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--scope: "not an agent" is not an agent id');
  });
});

describe('export and forget with a memory-scope map (MEMORY_SCOPE_MAP)', () => {
  const MAP = { 'clinic-a': ['agent_front', 'agent_nurse'], 'clinic-b': ['agent_lab'] };
  let home: string;
  let test: TestStack;
  let clinicBCall: string;
  const local = () => ['--local', '--home', home];
  const clinicA = scopedIdentity('clinic-a', SHARED_PHONE);
  const clinicB = scopedIdentity('clinic-b', SHARED_PHONE);

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home, { env: { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: JSON.stringify(MAP) } });
    await callOf(test, SHARED_PHONE, 'Margaret Ellison', 'agent_front');
    clinicBCall = await callOf(test, SHARED_PHONE, 'Margaret Ellison', 'agent_lab');
    // An agent outside the map: its pre-call is archived under the caller id alone, never remembered.
    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, 'agent_unlisted')).returning_caller).toBe('no');
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('--scope takes an agent id of the map and means its scope', async () => {
    const document = await exported(home, SHARED_PHONE, '--scope', 'agent_nurse');
    expect(document.scope).toBe('clinic-a');
    expect(document.identities).toEqual([{ identity: clinicA, scope: 'clinic-a' }]);
    expect(document.memories.length).toBeGreaterThan(0);
  });

  it('--scope that is neither a scope nor an agent of the map: usage (2), naming the scopes', async () => {
    const run = await cli(['export', SHARED_PHONE, '--scope', 'agent_unlisted', ...local()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--scope: "agent_unlisted" is neither a scope nor an agent of the memory-scope map of local stack',
    );
    expect(run.stderr).toContain('(its scopes: clinic-a, clinic-b)');
  });

  it('finds a scope by its archive alone when its memories are gone (e.g. expired)', async () => {
    await new EmbeddedMemoryStore({ directory: path.join(home, 'memory') }).deleteCaller(clinicB);

    const document = await exported(home, SHARED_PHONE);

    expect(document.identities).toEqual([
      { identity: SHARED_PHONE, scope: null },
      { identity: clinicA, scope: 'clinic-a' },
      { identity: clinicB, scope: 'clinic-b' },
    ]);
    expect(document.conversations.filter((c) => c.scope === 'clinic-b').map((c) => c.conversationId)).toEqual([
      clinicBCall,
    ]);
    // The unlisted agent's pre-call: held under the caller id alone.
    expect(document.preCallRecords.filter((record) => record.scope === null)).toHaveLength(1);
  });

  it('forget --scope NAME erases that scope; without --scope the rest, the unlisted agent’s records included', async () => {
    const scoped = await cli(['forget', SHARED_PHONE, '--scope', 'clinic-b', '--yes', ...local()]);
    expect(scoped.code).toBe(0);
    expect(await keys(test, callerPrefix(clinicB))).toEqual([]);
    expect(await keys(test, callerClientDataPrefix(clinicB))).toEqual([]);
    expect(await keys(test, callerClientDataPrefix(SHARED_PHONE))).toHaveLength(1);
    expect(await callerName(test, SHARED_PHONE, 'agent_nurse')).toBe('Margaret Ellison');

    const everywhere = await cli(['forget', SHARED_PHONE, '--yes', ...local()]);
    expect(everywhere.code).toBe(0);
    expect(everywhere.stdout).toContain(`memory identity ${SHARED_PHONE} (no scope: shared by every agent)`);
    expect(await keys(test, callerClientDataPrefix(SHARED_PHONE))).toEqual([]);
    expect(await keys(test, callerPrefix(clinicA))).toEqual([]);
    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, 'agent_front')).returning_caller).toBe('no');
  });
});
