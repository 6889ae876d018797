import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { usageError } from '../admin-error';
import type { EndpointKeys, SecretLocation, SecretsAdmin, SettableSecret } from '../deployment';
import type { StackOutputs } from './stack-outputs';

/** The stack's secrets in Secrets Manager, by the names its outputs give. */
export class SecretsManagerAdmin implements SecretsAdmin {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly outputs: StackOutputs,
    private readonly region: string,
  ) {}

  locations(): SecretLocation[] {
    const read = (secret: string) =>
      `aws secretsmanager get-secret-value --region ${this.region} --secret-id ${secret} --query SecretString --output text`;
    const locations: SecretLocation[] = [];
    // Only a stack that keeps memories in Mem0 has its key.
    if (this.outputs.Mem0ApiKeySecretName) {
      locations.push({
        name: 'mem0ApiKey',
        label: 'Mem0 API key',
        location: this.outputs.Mem0ApiKeySecretName,
        settable: true,
      });
    }
    locations.push({
      name: 'hmacKey',
      label: 'ElevenLabs webhook HMAC key',
      location: this.outputs.HmacKeySecretName,
      settable: true,
    });
    if (this.outputs.ElevenLabsApiKeySecretName) {
      locations.push({
        name: 'elevenLabsApiKey',
        label: 'ElevenLabs API key (recordings)',
        location: this.outputs.ElevenLabsApiKeySecretName,
        settable: true,
      });
    }
    locations.push(
      {
        name: 'workspaceKey',
        label: 'workspace key (pre-call)',
        location: this.outputs.WorkspaceKeySecretName,
        settable: false,
        hint: read(this.outputs.WorkspaceKeySecretName),
      },
      {
        name: 'retrieveApiKey',
        label: 'retrieve key (search tool)',
        location: this.outputs.RetrieveApiKeySecretName,
        settable: false,
        hint: read(this.outputs.RetrieveApiKeySecretName),
      },
    );
    return locations;
  }

  async set(name: SettableSecret, value: string): Promise<string> {
    const location = this.locations().find((entry) => entry.name === name && entry.settable);
    if (!location)
      throw usageError(
        `this stack has no ${name} secret (recording downloads are off: deploy with downloadRecordings: true)`,
      );
    await this.client.send(new PutSecretValueCommand({ SecretId: location.location, SecretString: value }));
    return `stored in ${location.location}; warm functions use it within the secrets cache time (5 minutes by default)`;
  }

  async storedValue(name: SettableSecret): Promise<string | undefined> {
    const location = this.locations().find((entry) => entry.name === name);
    return location ? this.value(location.location) : undefined;
  }

  async value(secretName: string): Promise<string> {
    const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretName }));
    if (!answer.SecretString) throw new Error(`secret ${secretName} has no value`);
    return answer.SecretString;
  }

  async endpointKeys(): Promise<EndpointKeys> {
    const [workspaceKey, retrieveApiKey, hmacKey] = await Promise.all([
      this.value(this.outputs.WorkspaceKeySecretName),
      this.value(this.outputs.RetrieveApiKeySecretName),
      this.value(this.outputs.HmacKeySecretName),
    ]);
    return { workspaceKey, retrieveApiKey, hmacKey };
  }
}
