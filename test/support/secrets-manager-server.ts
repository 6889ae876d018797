import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server for the Secrets Manager calls AgenticMemory makes (GetSecretValue; the admin
 * CLI's PutSecretValue on an existing secret), AWS JSON 1.1 protocol, so the real SDK client and
 * Powertools parameters run end to end.
 */
export class SecretsManagerLoopback {
  readonly requests: string[] = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const { SecretId, SecretString } = JSON.parse(body || '{}') as { SecretId?: string; SecretString?: string };
      this.requests.push(`${target}:${SecretId}`);
      const value = SecretId === undefined ? undefined : this.values.get(SecretId);
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'secretsmanager.PutSecretValue' && SecretId !== undefined && value !== undefined && SecretString) {
        this.values.set(SecretId, SecretString);
        response.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}`,
            Name: SecretId,
            VersionId: '2',
            VersionStages: ['AWSCURRENT'],
          }),
        );
        return;
      }
      if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      response.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}`,
          Name: SecretId,
          SecretString: value,
          VersionId: '1',
        }),
      );
    });
  });

  constructor(private readonly values: Map<string, string>) {}

  static async start(values: Record<string, string>): Promise<SecretsManagerLoopback> {
    const loopback = new SecretsManagerLoopback(new Map(Object.entries(values)));
    await new Promise<void>((resolve) => loopback.server.listen(0, '127.0.0.1', () => resolve()));
    return loopback;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get(secretId: string): string | undefined {
    return this.values.get(secretId);
  }

  set(secretId: string, value: string): void {
    this.values.set(secretId, value);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
