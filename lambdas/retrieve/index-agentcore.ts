import { agentCoreFromEnvironment } from '../shared/aws/agentcore-from-environment';
import { retrieveFunction } from './wiring';

/** The in-call search with Amazon Bedrock AgentCore Memory: every request aborted at the search's memory deadline. */
export const handler = retrieveFunction((_secrets, settings) =>
  agentCoreFromEnvironment({ requestTimeoutMs: settings.memoryDeadlineMs }),
);
