import { agentCoreFromEnvironment } from '../shared/aws/agentcore-from-environment';
import { clientDataFunction } from './wiring';

/** The pre-call function with Amazon Bedrock AgentCore Memory: every request aborted at the pre-call's memory deadline. */
export const handler = clientDataFunction((_secrets, settings) =>
  agentCoreFromEnvironment({ requestTimeoutMs: settings.memoryDeadlineMs }),
);
