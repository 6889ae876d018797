import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { requireMemoryBackend } from '../shared/config/memory-backend';
import { ingestFunction } from './wiring';

requireMemoryBackend('mem0');

export const handler = ingestFunction((secrets) => mem0FromEnvironment(secrets));
