import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gettingStarted } from '../../lambdas/local/getting-started';
import { removeHome, startTestStack, tempHome, type TestStack } from './local-stack-support';

const run = promisify(execFile);

/**
 * The `npm start` banner's "Try it" commands, pasted into a shell as a user would: step 1 (the
 * signed post-call), then steps 2 and 3 (the pre-call, and the search it enables).
 */
function tryItCommands(banner: string): { postCall: string; preCallThenSearch: string } {
  const tryIt = banner.slice(banner.indexOf('Try it:'), banner.indexOf('Or watch a whole call'));
  // Commands start at a 5-space indent; their continuation lines at 7. Prose is indented 5 too, but starts otherwise.
  const commands = (part: string) =>
    part
      .split('\n')
      .filter((line) => /^ {5}(curl|TOKEN=)/.test(line) || /^ {7}\S/.test(line))
      .join('\n');
  const [first, rest] = tryIt.split('\n  2. ');
  return { postCall: commands(first), preCallThenSearch: commands(rest) };
}

/** The JSON answers curl printed one after another (without newlines between them). */
function answers(output: string): Array<Record<string, unknown>> {
  const values: Array<Record<string, unknown>> = [];
  let start = 0;
  for (let end = output.indexOf('}'); end >= 0; end = output.indexOf('}', end + 1)) {
    try {
      values.push(JSON.parse(output.slice(start, end + 1)) as Record<string, unknown>);
      start = end + 1;
    } catch {
      // Not yet the end of this answer.
    }
  }
  return values;
}

async function paste(script: string): Promise<string> {
  // Asynchronously: the stack answering the commands runs in this process.
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
  return stdout;
}

describe('the npm start banner', () => {
  let home: string;
  let test: TestStack | undefined;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await test?.stack.stop();
    test = undefined;
    await removeHome(home);
  });

  it('by default: states the mode, and its pasted commands post a call, then search it with the pre-call’s memory token', async () => {
    test = await startTestStack(home);
    const banner = await gettingStarted(test.stack, {});

    expect(banner).toContain('  scope:  deployment: one memory per caller, shared by every agent');
    expect(banner).toContain('  search: token-or-key: the X-Memory-Token the pre-call hands each call');
    expect(banner).toContain('  tokens: valid 7200 s (MEMORY_TOKEN_TTL_SECONDS)');
    expect(banner).toContain('header X-Memory-Token =\n                {{secret__memory_token}}');
    expect(banner).toContain('Put {{memory_context}} in the');
    expect(banner).not.toContain(test.stack.keys.memoryTokenKey);

    const commands = tryItCommands(banner);
    expect(commands.preCallThenSearch).toContain('"X-Memory-Token: $TOKEN"');
    expect(commands.preCallThenSearch).not.toContain('X-Api-Key');
    await paste(commands.postCall);
    await test.stack.ingestIdle();
    const output = await paste(commands.preCallThenSearch);

    const [preCallAnswer, searchAnswer] = answers(output);
    expect((preCallAnswer.dynamic_variables as Record<string, string>).returning_caller).toBe('yes');
    const found = searchAnswer as { memories: Array<{ memory: string }> };
    expect(found.memories.some((memory) => memory.memory.includes('allergy'))).toBe(true);
  });

  it('in agent scope with a map: names the scopes, and its demo call is of an agent in the map (so it is remembered)', async () => {
    const env = { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: '{"clinic-a":["agent_front","agent_nurse"]}' };
    test = await startTestStack(home, { env });
    const banner = await gettingStarted(test.stack, env);

    expect(banner).toContain(
      "  scope:  agent, by MEMORY_SCOPE_MAP: one memory per caller in each of clinic-a (agent_front, agent_nurse); other agents' calls are not remembered",
    );
    const commands = tryItCommands(banner);
    await paste(commands.postCall);
    await test.stack.ingestIdle();
    const [, searchAnswer] = answers(await paste(commands.preCallThenSearch));
    expect((searchAnswer.memories as unknown[]).length).toBeGreaterThan(0);
  });

  it('with RETRIEVE_AUTH=token: says the static key is not accepted', async () => {
    test = await startTestStack(home, { env: { RETRIEVE_AUTH: 'token' } });
    const banner = await gettingStarted(test.stack, {});
    expect(banner).toContain('  search: token: only the X-Memory-Token the pre-call hands each call');
    expect(banner).toMatch(/RETRIEVE_API_KEY +\S+ +\(generated now; not accepted: RETRIEVE_AUTH=token\)/);
  });

  it('with RETRIEVE_AUTH=key: the static key path, whose pasted search also works', async () => {
    const env = { RETRIEVE_AUTH: 'key', MEMORY_SCOPE: 'agent' };
    test = await startTestStack(home, { env });
    const banner = await gettingStarted(test.stack, env);

    expect(banner).toContain('  search: key: X-Api-Key and the user_id the tool sends');
    expect(banner).not.toContain('tokens: valid');
    expect(banner).toContain('agent_id (dynamic variable system__agent_id)');
    const commands = tryItCommands(banner);
    expect(commands.preCallThenSearch).not.toContain('X-Memory-Token');
    await paste(commands.postCall);
    await test.stack.ingestIdle();
    const [, searchAnswer] = answers(await paste(commands.preCallThenSearch));
    expect((searchAnswer.memories as unknown[]).length).toBeGreaterThan(0);
  });
  it('names the data directory in the simulate command when the stack runs on one of its own', async () => {
    test = await startTestStack(home);

    expect(await gettingStarted(test.stack, {})).toContain('Or watch a whole call, step by step: npm run simulate\n');
    expect(await gettingStarted(test.stack, { AGENTIC_MEMORY_HOME: home })).toContain(
      `Or watch a whole call, step by step: AGENTIC_MEMORY_HOME='${home}' npm run simulate\n`,
    );
  });
  it('says that a key given in the environment is kept in keys.json, and when it replaced the kept one', async () => {
    test = await startTestStack(home, { env: { ELEVENLABS_HMAC_KEY: 'wsec_from_elevenlabs' } });
    const banner = await gettingStarted(test.stack, {});
    expect(banner).toContain(`Keys (kept in ${test.stack.keysFile}, readable by you only;`);
    expect(banner).toMatch(
      /ELEVENLABS_HMAC_KEY +wsec_from_elevenlabs {3}\(environment; saved in keys\.json: the next start without ELEVENLABS_HMAC_KEY keeps it\)/,
    );
    await test.stack.stop();

    test = await startTestStack(home, { env: { ELEVENLABS_HMAC_KEY: 'wsec_rotated' } });
    expect(await gettingStarted(test.stack, {})).toMatch(
      /ELEVENLABS_HMAC_KEY +wsec_rotated {3}\(environment; it replaced the key keys\.json held, which no longer works\)/,
    );
  });
});
