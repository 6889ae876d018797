import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { requireMemoryBackend } from '../shared/config/memory-backend';
import { retentionFunction } from './wiring';

requireMemoryBackend('mem0');

export const handler = retentionFunction((secrets) => mem0FromEnvironment(secrets));
