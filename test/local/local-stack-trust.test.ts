import { demoCall } from '../../lambdas/local/demo-call';
import {
  dynamicVariables,
  memoryToken,
  postCall,
  preCallTo,
  recall,
  removeHome,
  request,
  searchWithToken,
  startTestStack,
  tempHome,
  type TestStack,
} from './local-stack-support';

/**
 * The local stack end to end (npm start's own wiring, configured through the environment as a
 * user would): whose memory a call reaches, and what a search must present.
 */
const SHARED_PHONE = '+16125550142';

async function remembered(test: TestStack, callerId: string, callerName: string, agentId: string): Promise<void> {
  const call = demoCall({ callerId, callerName, agentId });
  expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
  await test.stack.ingestIdle();
}

describe('local stack with MEMORY_SCOPE=agent: two agents, one phone number', () => {
  let home: string;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home, { env: { MEMORY_SCOPE: 'agent' } });
    await remembered(test, SHARED_PHONE, 'Margaret Ellison', 'agent_dental');
    await remembered(test, SHARED_PHONE, 'Daniel Okafor', 'agent_bakery');
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it("each agent's pre-call knows only what was said to that agent; a third agent meets a stranger", async () => {
    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, 'agent_dental'))).toMatchObject({
      returning_caller: 'yes',
      caller_name: 'Margaret Ellison',
    });
    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, 'agent_bakery'))).toMatchObject({
      returning_caller: 'yes',
      caller_name: 'Daniel Okafor',
    });
    expect(dynamicVariables(await preCallTo(test.stack, SHARED_PHONE, 'agent_florist'))).toMatchObject({
      returning_caller: 'no',
      caller_name: '',
    });
  });

  it("a search with one agent's token finds that agent's memories only, and cannot be pointed at the other", async () => {
    const dental = await recall(test.stack, SHARED_PHONE, 'agent_dental', 'my name is');
    expect(dental.join('\n')).toContain('Margaret Ellison');
    expect(dental.join('\n')).not.toContain('Daniel');

    const token = memoryToken(await preCallTo(test.stack, SHARED_PHONE, 'agent_dental'));
    const redirected = await request(test.stack.urls.retrieve, {
      body: JSON.stringify({ query: 'my name is', agent_id: 'agent_bakery' }),
      headers: { 'X-Memory-Token': token },
    });
    expect(redirected.status).toBe(403);
  });
});

describe('local stack with RETRIEVE_AUTH=token', () => {
  let home: string;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    test = await startTestStack(home, { env: { RETRIEVE_AUTH: 'token' } });
    await remembered(test, SHARED_PHONE, 'Margaret Ellison', 'agent_dental');
  });
  afterAll(async () => {
    await test.stack.stop();
    await removeHome(home);
  });

  it('refuses a search with the static X-Api-Key, even the right one, with 401', async () => {
    const answer = await request(test.stack.urls.retrieve, {
      body: JSON.stringify({ query: 'peanut allergy', user_id: SHARED_PHONE }),
      headers: { 'X-Api-Key': test.stack.keys.retrieveApiKey },
    });
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain('allergy');
  });

  it("answers the pre-call's memory token, and refuses one with its claims altered", async () => {
    const token = memoryToken(await preCallTo(test.stack, SHARED_PHONE, 'agent_dental'));
    const found = await searchWithToken(test.stack, token, 'peanut allergy');
    expect(found.status).toBe(200);
    expect(JSON.stringify(found.body)).toContain('allergy');

    const [version, claims, signature] = token.split('.');
    const otherCaller = Buffer.from(
      Buffer.from(claims, 'base64url').toString('utf8').replace(SHARED_PHONE, '+13125550147'),
    ).toString('base64url');
    const forged = await searchWithToken(test.stack, `${version}.${otherCaller}.${signature}`, 'peanut allergy');
    expect(forged.status).toBe(401);
  });
});
