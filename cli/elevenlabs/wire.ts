import * as serializers from '@elevenlabs/elevenlabs-js/serialization';

/**
 * ElevenLabs objects as they are on the wire (snake_case, the names of the API reference and of
 * docs/elevenlabs-api.md), converted to and from the official client's camelCase objects by the
 * client's own serializers. Fields the client does not know yet pass through unchanged, so
 * nothing an agent has is lost by reading it and writing it back.
 */
const OPTIONS = {
  unrecognizedObjectKeys: 'passthrough',
  allowUnrecognizedUnionMembers: true,
  allowUnrecognizedEnumValues: true,
} as const;

interface Convertible<Raw, Parsed> {
  jsonOrThrow(parsed: unknown, options?: typeof OPTIONS): Raw;
  parseOrThrow(raw: unknown, options?: typeof OPTIONS): Parsed;
}

export function toWire<Raw, Parsed>(schema: Convertible<Raw, Parsed>, value: Parsed): Raw {
  return schema.jsonOrThrow(value, OPTIONS);
}

export function fromWire<Raw, Parsed>(schema: Convertible<Raw, Parsed>, raw: Raw): Parsed {
  return schema.parseOrThrow(raw, OPTIONS);
}

export { serializers };

export type AgentWire = serializers.GetAgentResponseModel.Raw;
export type AgentUpdateWire = serializers.conversationalAi.UpdateAgentRequest.Raw;
export type ToolWire = serializers.ToolResponseModel.Raw;
export type ToolRequestWire = serializers.ToolRequestModel.Raw;
export type WebhookToolConfigWire = serializers.WebhookToolConfigInput.Raw;
export type SecretWire = serializers.ConvAiWorkspaceStoredSecretConfig.Raw;
export type WorkspaceWebhookWire = serializers.WorkspaceWebhookResponseModel.Raw;
export type WorkspaceSettingsWire = serializers.GetConvAiSettingsResponseModel.Raw;
export type InitiationWebhookWire = serializers.ConversationInitiationClientDataWebhook.Raw;
export type PostCallWebhooksWire = serializers.ConvAiWebhooks.Raw;
export type ConversationSummaryWire = serializers.ConversationSummaryResponseModel.Raw;
export type ConversationWire = serializers.GetConversationResponseModel.Raw;
