import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { WORKSPACE_KEY_HEADER } from '../client-data/handler';
import { MEMORY_TOKEN_HEADER, RETRIEVE_KEY_HEADER } from '../retrieve/handler';
import { ENV } from '../shared/config';
import { signElevenLabsPayload } from '../shared/elevenlabs/signature';
import { demoAgentFor, demoCall, randomDemoCallerId, randomDemoName } from './demo-call';
import { KEYS_FILE, KEY_ENV, type KeyName } from './local-secrets';
import { scopeGroups, type LocalConfiguration, type LocalStack } from './local-stack';

/** Spelled as ElevenLabs documents it (header names are case-insensitive). */
const SIGNATURE_HEADER = 'ElevenLabs-Signature';
/** The pre-call's dynamic variable holding the call's memory token; as an ElevenLabs tool header value. */
export const MEMORY_TOKEN_VARIABLE = 'secret__memory_token';
const MEMORY_TOKEN_TEMPLATE = `{{${MEMORY_TOKEN_VARIABLE}}}`;

/**
 * What `npm start` prints once the stack is up: where the endpoints are, how it is configured
 * (memory scope, how a search authenticates), the keys, commands to try each endpoint (the
 * post-call one signed now, over a body saved in the data directory so the bytes are exactly
 * the ones signed; the search with the memory token the pre-call hands out), and how to connect
 * a real ElevenLabs agent.
 */
export async function gettingStarted(stack: LocalStack, env: Record<string, string | undefined>): Promise<string> {
  const { configuration } = stack;
  const call = demoCall({
    callerId: randomDemoCallerId(),
    callerName: randomDemoName(),
    agentId: demoAgentFor(configuration.memoryScope),
  });
  const body = JSON.stringify(call.payload);
  const bodyFile = path.join(stack.home, 'examples', 'post-call.json');
  await mkdir(path.dirname(bodyFile), { recursive: true, mode: 0o700 });
  await writeFile(bodyFile, body, { mode: 0o600 });
  const signature = signElevenLabsPayload(body, stack.keys.hmacKey, Date.now() / 1000);

  const preCall = {
    caller_id: call.callerId,
    agent_id: call.agentId,
    called_number: call.calledNumber,
    call_sid: 'CA_try_it',
  };
  const keyWidth = Math.max(...Object.values(KEY_ENV).map((name) => name.length));
  const keyLine = (name: KeyName, note = `(${keyOrigin(stack, name)})`) =>
    `  ${KEY_ENV[name].padEnd(keyWidth)}  ${stack.keys[name]}   ${note}`;
  const memory =
    stack.memoryBackend === 'mem0'
      ? `Mem0 Cloud (${env.MEM0_HOST || 'https://api.mem0.ai'})`
      : stack.memoryBackend === 'agentcore'
        ? `AgentCore Memory ${env.AGENTCORE_MEMORY_ID} (${env.AGENTCORE_ENDPOINT || `AWS, ${env.AWS_REGION || 'us-east-1'}`})`
        : `embedded store in ${path.join(stack.home, 'memory')}`;
  const portOf = new URL(stack.url).port;
  const tokens = configuration.retrieveAuth !== 'key';
  const preCallCurl = [
    `curl -sS ${stack.urls.clientData} -H 'content-type: application/json' \\`,
    `       -H ${shellQuote(`${WORKSPACE_KEY_HEADER}: ${stack.keys.workspaceKey}`)} -d ${shellQuote(JSON.stringify(preCall))}`,
  ];

  return [
    `AgenticMemory is running at ${stack.url}`,
    `  memory: ${memory}`,
    ...describeConfiguration(configuration),
    `  data:   ${stack.home}`,
    '',
    'Endpoints',
    `  pre-call   POST ${stack.urls.clientData}   header ${WORKSPACE_KEY_HEADER}: <ELEVENLABS_WORKSPACE_KEY>`,
    tokens
      ? `  in-call    POST ${stack.urls.retrieve}      header ${MEMORY_TOKEN_HEADER}: <${MEMORY_TOKEN_VARIABLE} of the pre-call answer>`
      : `  in-call    POST ${stack.urls.retrieve}      header ${RETRIEVE_KEY_HEADER}: <RETRIEVE_API_KEY>`,
    `  post-call  POST ${stack.urls.postCall}     header ${SIGNATURE_HEADER}: t=…,v0=HMAC-SHA256(ELEVENLABS_HMAC_KEY)`,
    `  health     GET  ${stack.urls.health}`,
    '',
    `Keys (kept in ${stack.keysFile}, readable by you only; set a variable to use your own: it is kept there too)`,
    keyLine('workspaceKey'),
    configuration.retrieveAuth === 'token'
      ? keyLine('retrieveApiKey', `(${keyOrigin(stack, 'retrieveApiKey')}; not accepted: ${ENV.retrieveAuth}=token)`)
      : keyLine('retrieveApiKey'),
    keyLine('hmacKey'),
    `  ${KEY_ENV.memoryTokenKey.padEnd(keyWidth)}  signs the per-call memory tokens; it never leaves this machine (${keyOrigin(stack, 'memoryTokenKey')})`,
    '',
    `Try it: ${call.callerName} (${call.callerId}) calls the bakery, then calls again`,
    '  1. The call ends; ElevenLabs posts the transcript. Signed just now: the signature expires after',
    '     30 minutes (restart for a fresh one). Memory is written within a second.',
    `     curl -sS ${stack.urls.postCall} -H 'content-type: application/json' \\`,
    `       -H ${shellQuote(`${SIGNATURE_HEADER}: ${signature}`)} --data-binary @${shellQuote(bodyFile)}`,
    `  2. The next call rings: what the agent is told before it speaks${tokens ? `, and the call's memory token (${MEMORY_TOKEN_VARIABLE})` : ''}`,
    `     ${preCallCurl[0]}`,
    `${preCallCurl[1]}`,
    ...(tokens
      ? [
          "  3. Mid-call, the agent searches what it remembers, with the token of that call's pre-call",
          `     TOKEN=$(${preCallCurl[0]}`,
          `${preCallCurl[1]} \\`,
          `       | node -p ${shellQuote(`JSON.parse(require("fs").readFileSync(0, "utf8")).dynamic_variables.${MEMORY_TOKEN_VARIABLE}`)})`,
          `     curl -sS ${stack.urls.retrieve} -H 'content-type: application/json' \\`,
          `       -H "${MEMORY_TOKEN_HEADER}: $TOKEN" -d ${shellQuote(JSON.stringify({ query: call.search.query }))}`,
        ]
      : [
          '  3. Mid-call, the agent searches what it remembers',
          `     curl -sS ${stack.urls.retrieve} -H 'content-type: application/json' \\`,
          `       -H ${shellQuote(`${RETRIEVE_KEY_HEADER}: ${stack.keys.retrieveApiKey}`)} -d ${shellQuote(JSON.stringify(keySearch(call, configuration)))}`,
        ]),
    `  Or watch a whole call, step by step: ${simulateCommand(stack, env)}`,
    '',
    'Connect an ElevenLabs agent',
    `  1. Give this port a public HTTPS URL:  cloudflared tunnel --url ${stack.url}   (or: ngrok http ${portOf})`,
    '  2. Let the admin CLI configure the agent (then restart, to use the webhook secret it saved):',
    '       ELEVENLABS_API_KEY=… npx agentic-memory connect --agent <agent id> --local --url <public-url>',
    '     or, by hand in ElevenLabs, with <public-url> the URL the tunnel prints:',
    `     pre-call   conversation-initiation webhook <public-url>/client-data, request header ${WORKSPACE_KEY_HEADER}`,
    "                = a workspace secret holding ELEVENLABS_WORKSPACE_KEY; in the agent's Security tab, allow",
    '                fetching initiation data and the first-message override. Put {{memory_context}} in the',
    "                agent's prompt: it is what the agent remembers of the caller (empty for a new caller).",
    ...(tokens
      ? [
          `     in-call    a webhook tool "search_memory": POST <public-url>/retrieve, header ${MEMORY_TOKEN_HEADER} =`,
          `                ${MEMORY_TOKEN_TEMPLATE} (the dynamic variable; the LLM never sees it); body: query (from`,
          '                the LLM). The token names the caller of that call only, so nothing else needs to.',
        ]
      : [
          `     in-call    a webhook tool "search_memory": POST <public-url>/retrieve, header ${RETRIEVE_KEY_HEADER} = a secret`,
          `                holding RETRIEVE_API_KEY; body: query (from the LLM), user_id (dynamic variable system__caller_id)${configuration.memoryScope.mode === 'agent' ? ',' : '.'}`,
          ...(configuration.memoryScope.mode === 'agent'
            ? ['                agent_id (dynamic variable system__agent_id).']
            : []),
        ]),
    '     post-call  a post-call webhook (transcription) to <public-url>/post-call. ElevenLabs generates its HMAC',
    '                secret: restart once with ELEVENLABS_HMAC_KEY=<that secret>; keys.json keeps it for later starts.',
    '',
    `Ctrl-C stops (in-flight work is finished); the next start reuses ${stack.home}.`,
  ].join('\n');
}

/** The configuration lines of the banner: whose memory a call uses, and how a search proves whose it may read. */
export function describeConfiguration(configuration: LocalConfiguration): string[] {
  const { memoryScope, retrieveAuth } = configuration;
  const groups = Object.entries(scopeGroups(memoryScope)).map(([name, agents]) => `${name} (${agents.join(', ')})`);
  const scope =
    memoryScope.mode === 'deployment'
      ? `deployment: one memory per caller, shared by every agent (${ENV.memoryScope}=agent keeps them apart per agent)`
      : groups.length > 0
        ? `agent, by ${ENV.memoryScopeMap}: one memory per caller in each of ${groups.join(', ')}; other agents' calls are not remembered`
        : 'agent: one memory per caller and agent';
  const search = {
    token: `token: only the ${MEMORY_TOKEN_HEADER} the pre-call hands each call (${MEMORY_TOKEN_VARIABLE})`,
    'token-or-key': `token-or-key: the ${MEMORY_TOKEN_HEADER} the pre-call hands each call, or ${RETRIEVE_KEY_HEADER} for calls without a pre-call`,
    key: `key: ${RETRIEVE_KEY_HEADER} and the user_id the tool sends (whoever has the key can read any caller)`,
  }[retrieveAuth];
  return [
    `  scope:  ${scope}`,
    `  search: ${search} (${ENV.retrieveAuth})`,
    ...(retrieveAuth === 'key'
      ? []
      : [`  tokens: valid ${configuration.memoryTokenTtlSeconds} s (${ENV.memoryTokenTtlSeconds})`]),
  ];
}

/** Where a key came from; for one given in the environment, that keys.json keeps it (or now holds it instead of another). */
function keyOrigin(stack: LocalStack, name: KeyName): string {
  const saving = stack.keysSavedFromEnvironment[name];
  if (stack.keySources[name] !== 'environment' || saving === undefined) return stack.keySources[name];
  return {
    'saved now': `environment; saved in ${KEYS_FILE}: the next start without ${KEY_ENV[name]} keeps it`,
    'already saved': `environment; the one ${KEYS_FILE} keeps`,
    'replaced the saved key': `environment; it replaced the key ${KEYS_FILE} held, which no longer works`,
  }[saving];
}

/** The simulator finds this stack through its data directory: named when it is not the default one. */
function simulateCommand(stack: LocalStack, env: Record<string, string | undefined>): string {
  return env.AGENTIC_MEMORY_HOME?.trim()
    ? `AGENTIC_MEMORY_HOME=${shellQuote(stack.home)} npm run simulate`
    : 'npm run simulate';
}

/** The body of a search with the static key: the caller, and in agent scope the agent, named by the tool. */
function keySearch(call: ReturnType<typeof demoCall>, configuration: LocalConfiguration) {
  return {
    query: call.search.query,
    user_id: call.callerId,
    ...(configuration.memoryScope.mode === 'agent' ? { agent_id: call.agentId } : {}),
  };
}

/** A POSIX shell word that is exactly `text`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
