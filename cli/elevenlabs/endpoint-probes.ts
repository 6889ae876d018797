import { WORKSPACE_KEY_HEADER } from '../../lambdas/client-data/handler';
import { RETRIEVE_KEY_HEADER } from '../../lambdas/retrieve/handler';
import type { RetrieveAuth } from '../../lambdas/shared/config';
import { SIGNATURE_HEADER, signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import type { EndpointKeys, Endpoints } from '../deployment';

const PROBE_TIMEOUT_MS = 10_000;
const WRONG = 'agentic-memory-doctor-wrong-credential';
/** Valid JSON that is no request of any endpoint: answered 400 once credentials pass, nothing written. */
const NOT_A_REQUEST = '[]';

export interface Probe {
  name: 'pre-call' | 'search' | 'post-call';
  ok: boolean;
  /** Why not: it did not answer, it runs with another key than the deployment's, or it answered oddly. */
  problem?: 'no-answer' | 'other-key' | 'unexpected';
  detail: string;
}

/**
 * Whether each endpoint answers, and checks credentials as the deployment's keys say, with
 * requests that write nothing: wrong credentials (401), then the right ones with a body that is
 * no request (400: credentials are checked before the body). 403 counts as answering: a
 * source-address allow-list refuses this machine, not ElevenLabs.
 */
export async function probeEndpoints(
  endpoints: Endpoints,
  keys: EndpointKeys,
  retrieveAuth: RetrieveAuth,
): Promise<Probe[]> {
  const signed = (secret: string) => ({
    [SIGNATURE_HEADER]: signElevenLabsPayload(NOT_A_REQUEST, secret, Date.now() / 1000),
  });
  // With token-only search auth nothing here holds a valid credential (tokens are minted per call).
  const searchKey = retrieveAuth === 'token' ? undefined : { [RETRIEVE_KEY_HEADER]: keys.retrieveApiKey };
  return Promise.all([
    probe(
      'pre-call',
      endpoints.clientData,
      { [WORKSPACE_KEY_HEADER]: WRONG },
      { [WORKSPACE_KEY_HEADER]: keys.workspaceKey },
    ),
    probe('search', endpoints.retrieve, {}, searchKey),
    probe('post-call', endpoints.postCall, signed(WRONG), signed(keys.hmacKey)),
  ]);
}

async function probe(
  name: Probe['name'],
  url: string,
  wrong: Record<string, string>,
  right: Record<string, string> | undefined,
): Promise<Probe> {
  const refused = await post(url, wrong);
  if (typeof refused === 'string') {
    return { name, ok: false, problem: 'no-answer', detail: `${url} did not answer: ${refused}` };
  }
  if (refused !== 401 && refused !== 403) {
    return {
      name,
      ok: false,
      problem: 'unexpected',
      detail: `${url} answered ${refused} to a request without valid credentials, not 401`,
    };
  }
  if (!right) return { name, ok: true, detail: `${url} answers, and refuses a request without credentials` };
  const accepted = await post(url, right);
  if (typeof accepted === 'string') {
    return { name, ok: false, problem: 'no-answer', detail: `${url} did not answer: ${accepted}` };
  }
  if (accepted === 401) {
    return {
      name,
      ok: false,
      problem: 'other-key',
      detail: `${url} refuses the deployment's own key (401): the endpoint runs with another key`,
    };
  }
  if (accepted !== 400 && accepted !== 403) {
    return {
      name,
      ok: false,
      problem: 'unexpected',
      detail: `${url} answered ${accepted} to an invalid request with valid credentials, not 400`,
    };
  }
  return { name, ok: true, detail: `${url} answers, refuses wrong credentials and accepts the deployment's` };
}

/** The status, or why there was none. */
async function post(url: string, headers: Record<string, string>): Promise<number | string> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: NOT_A_REQUEST,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return cause ?? (error as Error).message;
  }
}
