import { agentCoreFromEnvironment } from '../shared/aws/agentcore-from-environment';
import { retentionFunction } from './wiring';

/** The retention job with Amazon Bedrock AgentCore Memory. */
export const handler = retentionFunction(() => agentCoreFromEnvironment());
