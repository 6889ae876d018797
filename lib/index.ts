export * from './agentic-memory';
export * from './agentic-memory-stack';
export * from './monitoring';
export {
  MemoryFunction,
  MEMORY_FUNCTION_ARCHITECTURE,
  MEMORY_FUNCTION_RUNTIME,
  type MemoryFunctionProps,
} from './memory-function';
export {
  AGENTCORE_NAMESPACE_TEMPLATES,
  AGENTCORE_STRATEGIES,
  ARCHIVE_PREFIX,
  ENV,
  MEMORY_BACKENDS,
  MEMORY_SCOPE_MODES,
  METRIC,
  METRICS_NAMESPACE,
  RETRIEVE_AUTH_MODES,
  SERVICE,
  SERVICE_DIMENSION,
  type AgentCoreStrategyType,
  type MemoryBackendName,
  type MemoryScope,
  type RetrieveAuth,
} from './contract';
export type { MemoryScopeMap } from './memory-scope';
