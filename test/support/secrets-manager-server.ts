import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the loopback fails while down: an AWS error answer, or a connection dropped unanswered. */
export type SecretsManagerFailure = { status: number; type: string } | 'reset';

/**
 * A loopback server for the Secrets Manager calls AgenticMemory makes (GetSecretValue; the admin
 * CLI's PutSecretValue on an existing secret), AWS JSON 1.1 protocol, so the real SDK client and
 * Powertools parameters run end to end.
 */
export class SecretsManagerLoopback {
  readonly requests: string[] = [];
  private failure?: SecretsManagerFailure;
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const { SecretId, SecretString } = JSON.parse(body || '{}') as { SecretId?: string; SecretString?: string };
      this.requests.push(`${target}:${SecretId}`);
      if (this.failure === 'reset') {
        request.socket.destroy();
        return;
      }
      if (this.failure) {
        response.statusCode = this.failure.status;
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(JSON.stringify({ __type: this.failure.type, message: 'Secrets Manager is unavailable.' }));
        return;
      }
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

  /** Every request fails until `recover()`; by default as a Secrets Manager outage (500). */
  fail(failure: SecretsManagerFailure = { status: 500, type: 'InternalServiceError' }): void {
    this.failure = failure;
  }

  recover(): void {
    this.failure = undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
