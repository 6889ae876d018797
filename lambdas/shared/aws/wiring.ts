/**
 * How a Lambda builds its adapters from its environment, once per cold start. Each entry file
 * imports the one module it needs (archive-from-environment, mem0-from-environment) rather than
 * this one, so that a function that never calls Mem0 does not bundle its client.
 */
export { archiveFromEnvironment } from './archive-from-environment';
export { mem0FromEnvironment } from './mem0-from-environment';
