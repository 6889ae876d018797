import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { WORKSPACE_KEY_HEADER } from '../client-data/handler';
import { RETRIEVE_KEY_HEADER } from '../retrieve/handler';
import { signElevenLabsPayload } from '../shared/elevenlabs/signature';
import { demoCall, randomDemoCallerId, randomDemoName } from './demo-call';
import { KEY_ENV, type KeyName } from './local-secrets';
import type { LocalStack } from './local-stack';

/** Spelled as ElevenLabs documents it (header names are case-insensitive). */
const SIGNATURE_HEADER = 'ElevenLabs-Signature';

/**
 * What `npm start` prints once the stack is up: where the endpoints are, the keys, commands to
 * try each endpoint (the post-call one signed now, over a body saved in the data directory so
 * the bytes are exactly the ones signed), and how to connect a real ElevenLabs agent.
 */
export async function gettingStarted(stack: LocalStack, env: Record<string, string | undefined>): Promise<string> {
  const call = demoCall({ callerId: randomDemoCallerId(), callerName: randomDemoName() });
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
  const search = { query: call.search.query, user_id: call.callerId };
  const keyWidth = Math.max(...Object.values(KEY_ENV).map((name) => name.length));
  const keyLine = (name: KeyName) =>
    `  ${KEY_ENV[name].padEnd(keyWidth)}  ${stack.keys[name]}   (${stack.keySources[name]})`;
  const memory =
    stack.memoryBackend === 'mem0'
      ? `Mem0 Cloud (${env.MEM0_HOST || 'https://api.mem0.ai'})`
      : `embedded store in ${path.join(stack.home, 'memory')}`;
  const portOf = new URL(stack.url).port;

  return [
    `AgenticMemory is running at ${stack.url}`,
    `  memory: ${memory}`,
    `  data:   ${stack.home}`,
    '',
    'Endpoints',
    `  pre-call   POST ${stack.urls.clientData}   header ${WORKSPACE_KEY_HEADER}: <ELEVENLABS_WORKSPACE_KEY>`,
    `  in-call    POST ${stack.urls.retrieve}      header ${RETRIEVE_KEY_HEADER}: <RETRIEVE_API_KEY>`,
    `  post-call  POST ${stack.urls.postCall}     header ${SIGNATURE_HEADER}: t=…,v0=HMAC-SHA256(ELEVENLABS_HMAC_KEY)`,
    `  health     GET  ${stack.urls.health}`,
    '',
    `Keys (set a variable to use your own; generated ones are kept in ${stack.keysFile})`,
    keyLine('workspaceKey'),
    keyLine('retrieveApiKey'),
    keyLine('hmacKey'),
    '',
    `Try it: ${call.callerName} (${call.callerId}) calls the bakery, then calls again`,
    '  1. The call ends; ElevenLabs posts the transcript. Signed just now: the signature expires after',
    '     30 minutes (restart for a fresh one). Memory is written within a second.',
    `     curl -sS ${stack.urls.postCall} -H 'content-type: application/json' \\`,
    `       -H ${shellQuote(`${SIGNATURE_HEADER}: ${signature}`)} --data-binary @${shellQuote(bodyFile)}`,
    '  2. The next call rings: what the agent is told before it speaks',
    `     curl -sS ${stack.urls.clientData} -H 'content-type: application/json' \\`,
    `       -H ${shellQuote(`${WORKSPACE_KEY_HEADER}: ${stack.keys.workspaceKey}`)} -d ${shellQuote(JSON.stringify(preCall))}`,
    '  3. Mid-call, the agent searches what it remembers',
    `     curl -sS ${stack.urls.retrieve} -H 'content-type: application/json' \\`,
    `       -H ${shellQuote(`${RETRIEVE_KEY_HEADER}: ${stack.keys.retrieveApiKey}`)} -d ${shellQuote(JSON.stringify(search))}`,
    '  Or watch a whole call, step by step: npm run simulate',
    '',
    'Connect an ElevenLabs agent',
    `  1. Give this port a public HTTPS URL:  cloudflared tunnel --url ${stack.url}   (or: ngrok http ${portOf})`,
    '  2. In ElevenLabs, with <public-url> the URL the tunnel prints:',
    `     pre-call   conversation-initiation webhook <public-url>/client-data, request header ${WORKSPACE_KEY_HEADER}`,
    "                = a workspace secret holding ELEVENLABS_WORKSPACE_KEY; in the agent's Security tab, allow",
    '                fetching initiation data and the system-prompt and first-message overrides.',
    `     in-call    a webhook tool "search_memory": POST <public-url>/retrieve, header ${RETRIEVE_KEY_HEADER} = a secret`,
    '                holding RETRIEVE_API_KEY; body: query (from the LLM), user_id (dynamic variable system__caller_id).',
    '     post-call  a post-call webhook (transcription) to <public-url>/post-call. ElevenLabs generates its HMAC',
    '                secret: restart with ELEVENLABS_HMAC_KEY=<that secret>.',
    '',
    `Ctrl-C stops (in-flight work is finished); the next start reuses ${stack.home}.`,
  ].join('\n');
}

/** A POSIX shell word that is exactly `text`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
