import type { MemoryStore } from '../lambdas/shared/memory';
import type { DeploymentConfiguration } from './deployment-configuration';

/**
 * One AgenticMemory deployment as the admin tools see it, whether it runs on AWS (reached through
 * its CloudFormation outputs) or on this machine (the local stack's data directory). Every admin
 * operation is written against this, so the same code runs against both.
 */
export interface Deployment {
  /** For messages: `stack AgenticMemory (eu-west-1)`, `local stack in /home/me/.agentic-memory`. */
  description: string;
  /** A short name for what this deployment creates elsewhere (ElevenLabs secrets): the stack name, or `local`. */
  name: string;
  memory: MemoryStore;
  archive: ArchiveAdmin;
  queue: IngestQueueAdmin;
  endpoints: Endpoints;
  /** How its functions are configured, where operations depend on it (memory scope, search auth). */
  configuration: DeploymentConfiguration;
  /** The keys the three endpoints check, for the smoke test. */
  endpointKeys(): Promise<EndpointKeys>;
  secrets: SecretsAdmin;
  /** What an ElevenLabs agent must be set up to match (connect, doctor). */
  integration(): Promise<IntegrationSettings>;
  /** Waits (bounded) for ingestion in flight to finish, where that can be known. */
  quiesce(): Promise<void>;
  /** Releases what opening the deployment took (clients, an in-process local stack). */
  close(): Promise<void>;
}

export interface ArchivedObject {
  key: string;
  size?: number;
}

/** The archive bucket, for listing, reading and erasing. */
export interface ArchiveAdmin {
  /** Every object under `prefix`, page by page, in key order. */
  list(prefix: string): AsyncIterable<ArchivedObject>;
  /** The names of the folders directly under `prefix` (which ends with '/'), each once. */
  folders(prefix: string): AsyncIterable<string>;
  getText(key: string): Promise<string>;
  /** Stores a JSON document; an object written under the post-call inbox is ingested as a webhook's is. */
  putJson(key: string, body: Buffer): Promise<void>;
  /** Erases the objects, every earlier version of them included where the bucket keeps versions. */
  delete(keys: readonly string[]): Promise<void>;
}

export interface IngestQueueAdmin {
  status(): Promise<QueueStatus>;
  /** Hands inbox keys to the ingest worker, as the archive's object-created notifications do. */
  enqueue(keys: readonly string[]): Promise<void>;
  /** Moves every dead-lettered message back to the ingest worker; returns how many. */
  redriveDeadLetters(onProgress?: (done: number, total: number) => void): Promise<number>;
}

export interface QueueStatus {
  /** Messages waiting (and, locally, being retried). */
  waiting: number;
  /** Messages being processed; undefined where they are counted in `waiting`. */
  inFlight?: number;
  /** Age of the oldest message; undefined when the queue is empty or the age is unknown. */
  oldestMessageAgeSeconds?: number;
  deadLetters: number;
  recentFailures: RecentFailures;
}

export interface RecentFailures {
  /** What `count` counts, e.g. "failed ingest attempts in the last 24 hours (IngestFailed metric)". */
  description: string;
  count?: number;
  /** Some of the dead-lettered payloads, newest first where known. */
  deadLettered: Array<{ keys: string[]; at?: string; reason?: string }>;
}

export interface Endpoints {
  clientData: string;
  retrieve: string;
  postCall: string;
}

export interface EndpointKeys {
  workspaceKey: string;
  retrieveApiKey: string;
  hmacKey: string;
}

/** The secrets an operator sets, and where the generated ones are. */
export type SettableSecret = 'mem0ApiKey' | 'hmacKey' | 'elevenLabsApiKey';

export interface SecretLocation {
  name: SettableSecret | 'workspaceKey' | 'retrieveApiKey';
  label: string;
  /** Where the value lives: a Secrets Manager secret name, a file, an environment variable. */
  location: string;
  /** How to read or set it by hand. */
  hint?: string;
  settable: boolean;
}

export interface SecretsAdmin {
  locations(): SecretLocation[];
  /** Stores the value; returns where it went and what else the operator must do. */
  set(name: SettableSecret, value: string): Promise<string>;
  /** The value stored for a settable secret; undefined where the deployment stores none (local: environment only). */
  storedValue(name: SettableSecret): Promise<string | undefined>;
}

/** What an ElevenLabs agent must match in this deployment, read from its configuration. */
export interface IntegrationSettings {
  /** The overrides the pre-call answer carries: ElevenLabs refuses a call whose agent does not allow one. */
  overrides: { firstMessage: boolean; prompt: boolean };
  /** The ingest worker downloads recordings (it has an ElevenLabs API key): audio webhooks are not needed. */
  downloadsRecordings: boolean;
  /** Where the settings were read from, for messages. */
  source: string;
}
