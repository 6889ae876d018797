import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { requireMemoryBackend } from '../shared/config/memory-backend';
import { retrieveFunction } from './wiring';

requireMemoryBackend('mem0');

export const handler = retrieveFunction((secrets) => mem0FromEnvironment(secrets));
