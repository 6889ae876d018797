import { createHash } from 'node:crypto';
import type { MemoryType } from './memory-store';

/**
 * How memory identities, conversations and memory types become AgentCore actor ids, session ids
 * and namespaces. Constraints from the SDK's service model (`com.amazonaws.bedrockagentcore`):
 * - ActorId: 1-255 characters, `^[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*$`
 * - SessionId: 1-100 characters, `^[a-zA-Z0-9][a-zA-Z0-9-_]*$`
 * - Namespace: 1-1024 characters, `^[a-zA-Z0-9/*][a-zA-Z0-9-_/*]*(?::[a-zA-Z0-9-_/*]+)*[a-zA-Z0-9-_/*]*$`;
 *   a list or search matches every namespace that *starts with* the one given.
 *
 * Memory identities (`+15551234567`, `clinic-a/+15551234567`, `web-user@example.com`) use
 * characters an actor id refuses (`+ . @ :`) and a `/` that would split a namespace segment, so
 * they are escaped into one segment of `[A-Za-z0-9_-]`. See docs/agentcore-memory.md.
 */

/** Every namespace this product writes or reads starts here; leading and trailing '/' as AWS advises against prefix collisions. */
export const AGENTCORE_NAMESPACE_ROOT = '/agentic-memory/actors/';

/**
 * The namespaces, as templates in AgentCore's placeholder syntax. One subtree per memory type,
 * so listing a type is one prefix query; the actor segment is followed by '/', so one caller's
 * prefix never matches another caller's namespaces.
 */
export const AGENTCORE_NAMESPACE_TEMPLATES = {
  /** Semantic strategy: facts the caller stated. Listed as `semantic`. */
  facts: '/agentic-memory/actors/{actorId}/semantic/facts/',
  /** User-preference strategy. Listed as `semantic`. */
  preferences: '/agentic-memory/actors/{actorId}/semantic/preferences/',
  /** Summary strategy, and the call summaries the adapter writes itself. Listed as `factual`. */
  summaries: '/agentic-memory/actors/{actorId}/factual/{sessionId}/',
  /** Caller profiles (data-collection results) the adapter writes itself. Listed as `profile`. */
  profile: '/agentic-memory/actors/{actorId}/profile/{sessionId}/',
} as const;

/**
 * The long-term strategies the memory resource must have, as the construct creates them
 * (`AWS::BedrockAgentCore::Memory` `MemoryStrategies`). lib/ cannot import this file: it keeps a
 * copy, and docs/agentcore-memory.md lists the same values.
 */
export const AGENTCORE_STRATEGIES = [
  {
    type: 'SEMANTIC',
    cfnProperty: 'semanticMemoryStrategy',
    name: 'AgenticMemoryFacts',
    description: 'Facts callers state, per caller memory identity',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.facts],
  },
  {
    type: 'USER_PREFERENCE',
    cfnProperty: 'userPreferenceMemoryStrategy',
    name: 'AgenticMemoryPreferences',
    description: 'Preferences callers express, per caller memory identity',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.preferences],
  },
  {
    type: 'SUMMARIZATION',
    cfnProperty: 'summaryMemoryStrategy',
    name: 'AgenticMemorySummaries',
    description: 'A summary of each call, per caller memory identity and conversation',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.summaries],
  },
] as const;

const MAX_ACTOR_ID_CHARS = 255;
const MAX_SESSION_ID_CHARS = 100;
/** A reversible actor id: `am-` and the escaped identity. */
const ACTOR_PREFIX = 'am-';
/** An identity too long to escape within 255 characters: `amh-` and its SHA-256. */
const HASHED_ACTOR_PREFIX = 'amh-';
/** A conversation id that is no valid session id: `sha-` and its SHA-256. */
const HASHED_SESSION_PREFIX = 'sha-';

/** Characters of a memory identity outside `[A-Za-z0-9-]`, each escaped as two characters. */
const ESCAPES: Readonly<Record<string, string>> = {
  _: '__',
  '+': '_p',
  '/': '_s',
  '.': '_d',
  ':': '_c',
  '@': '_a',
};
const UNESCAPES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ESCAPES).map(([char, escaped]) => [escaped[1], char]),
);
const PLAIN = /[A-Za-z0-9-]/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The actor id of a memory identity: `am-` and the identity with `_ + / . : @` escaped as
 * `__ _p _s _d _c _a` (any other character as `_x` and four hex digits), e.g. `+15551234567` →
 * `am-_p15551234567`, `clinic-a/+15551234567` → `am-clinic-a_s_p15551234567`. The escaping is a
 * prefix code, so two identities never share an actor id and `identityOfActorId` reads it back.
 * The rare identity whose escaped form exceeds 255 characters becomes `amh-<sha256>`; its
 * identity is then kept in the metadata of what is written for it (see agentcore-metadata.ts).
 */
export function actorIdOf(identity: string): string {
  const escaped = escapeIdentity(identity);
  const reversible = `${ACTOR_PREFIX}${escaped}`;
  return reversible.length <= MAX_ACTOR_ID_CHARS ? reversible : hashedActorIdOf(identity);
}

export function hashedActorIdOf(identity: string): string {
  return `${HASHED_ACTOR_PREFIX}${sha256Hex(identity)}`;
}

/** True when the actor id hides its identity behind a hash. */
export function isHashedActorId(actorId: string): boolean {
  return actorId.startsWith(HASHED_ACTOR_PREFIX);
}

/** The identity of a reversible actor id; undefined for a hashed one or one this product did not write. */
export function identityOfActorId(actorId: string): string | undefined {
  if (!actorId.startsWith(ACTOR_PREFIX)) return undefined;
  const escaped = actorId.slice(ACTOR_PREFIX.length);
  let identity = '';
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i];
    if (PLAIN.test(char)) {
      identity += char;
      continue;
    }
    if (char !== '_' || i + 1 >= escaped.length) return undefined;
    const code = escaped[++i];
    if (code === 'x') {
      const hex = escaped.slice(i + 1, i + 5);
      if (!/^[0-9a-f]{4}$/.test(hex)) return undefined;
      identity += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (UNESCAPES[code] !== undefined) {
      identity += UNESCAPES[code];
    } else {
      return undefined;
    }
  }
  // Only the one spelling escapeIdentity produces: no other actor id decodes to the same identity.
  return identity !== '' && escapeIdentity(identity) === escaped ? identity : undefined;
}

function escapeIdentity(identity: string): string {
  let escaped = '';
  for (const unit of identity.split('')) {
    if (PLAIN.test(unit)) escaped += unit;
    else escaped += ESCAPES[unit] ?? `_x${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

const SAFE_SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const HASHED_SESSION_ID = /^sha-[0-9a-f]{64}$/;

/**
 * The session id of a conversation: the conversation id itself when it is a valid session id
 * (ElevenLabs' `conv_…` ids are), otherwise `sha-` and its SHA-256; a conversation id that
 * looks like such a hash is hashed too, so two conversations never share a session.
 * Memories without a conversation share the session of the empty id.
 */
export function sessionIdOf(conversationId: string | undefined): string {
  const id = conversationId ?? '';
  const usable = id.length <= MAX_SESSION_ID_CHARS && SAFE_SESSION_ID.test(id) && !HASHED_SESSION_ID.test(id);
  return usable ? id : `${HASHED_SESSION_PREFIX}${sha256Hex(id)}`;
}

/** The conversation id a session id was made from, when it was used as it is. */
export function conversationIdOfSession(sessionId: string): string | undefined {
  return sessionId.startsWith(HASHED_SESSION_PREFIX) ? undefined : sessionId;
}

/** `/agentic-memory/actors/{actorId}/`: every long-term record of the actor is under it. */
export function actorNamespace(actorId: string): string {
  return `${AGENTCORE_NAMESPACE_ROOT}${actorId}/`;
}

/** Where the records listed as `type` live. */
export function typeNamespace(actorId: string, type: MemoryType): string {
  return `${actorNamespace(actorId)}${type}/`;
}

/** The namespace of the records the adapter writes itself (call summaries and profiles) for one conversation. */
export function sessionNamespace(actorId: string, type: 'factual' | 'profile', sessionId: string): string {
  return `${typeNamespace(actorId, type)}${sessionId}/`;
}

export interface NamespaceParts {
  actorId: string;
  type: MemoryType;
  /** The session segment of a `factual` or `profile` namespace. */
  sessionId?: string;
}

/** Reads a namespace this product's layout produced; undefined for any other. */
export function parseNamespace(namespace: string): NamespaceParts | undefined {
  if (!namespace.startsWith(AGENTCORE_NAMESPACE_ROOT)) return undefined;
  const [actorId, type, third] = namespace.slice(AGENTCORE_NAMESPACE_ROOT.length).split('/');
  if (!actorId || (type !== 'factual' && type !== 'semantic' && type !== 'profile')) return undefined;
  return { actorId, type, ...(type !== 'semantic' && third ? { sessionId: third } : {}) };
}
