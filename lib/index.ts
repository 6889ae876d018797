export * from './agentic-memory';
export * from './agentic-memory-stack';
export * from './monitoring';
export {
  MemoryFunction,
  MEMORY_FUNCTION_ARCHITECTURE,
  MEMORY_FUNCTION_RUNTIME,
  type MemoryFunctionProps,
} from './memory-function';
export { ARCHIVE_PREFIX, ENV, METRIC, METRICS_NAMESPACE, SERVICE, SERVICE_DIMENSION } from './contract';
