import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback fakes of the three AWS APIs the admin CLI calls that no open-source server here
 * speaks, each just deep enough for the real SDK clients: CloudFormation DescribeStacks (query
 * protocol, XML), SQS (JSON 1.0: attributes, send, receive with visibility timeouts, delete) and
 * CloudWatch GetMetricStatistics (JSON 1.0). Fakes, not emulators: they hold what a test puts in.
 */
export class AwsControlPlane {
  readonly requests: string[] = [];
  readonly stacks = new Map<string, Record<string, string>>();
  /** Stack name → its template, for GetTemplate (a stack without one answers as if it had none). */
  readonly templates = new Map<string, unknown>();
  readonly queues = new Map<string, SqsQueue>();
  /** `Namespace/MetricName` → datapoints. */
  readonly metrics = new Map<string, Array<{ Timestamp: number; Sum?: number; Maximum?: number }>>();
  /** Answer every request with this AWS error (e.g. AccessDenied) instead. */
  refuseWith?: { status: number; code: string; message: string };
  private readonly server = http.createServer((request, response) => void this.handle(request, response));

  static async start(): Promise<AwsControlPlane> {
    const plane = new AwsControlPlane();
    await new Promise<void>((resolve) => plane.server.listen(0, '127.0.0.1', () => resolve()));
    return plane;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A queue; its URL is on this server, as SQS's are on SQS's (the SDK sends to the queue URL). */
  createQueue(name: string): string {
    const url = `${this.endpoint}/123456789012/${name}`;
    this.queues.set(url, new SqsQueue());
    return url;
  }

  queue(url: string): SqsQueue {
    const queue = this.queues.get(url);
    if (!queue) throw new Error(`no queue ${url}`);
    return queue;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = String(request.headers['x-amz-target'] ?? '');
    if (this.refuseWith) return this.refuse(response, target, this.refuseWith);
    if (target.startsWith('AmazonSQS.'))
      return this.sqs(target.slice('AmazonSQS.'.length), JSON.parse(body || '{}'), response);
    if (target.startsWith('GraniteServiceVersion20100801.'))
      return this.cloudwatch(target.split('.')[1], JSON.parse(body || '{}'), response);
    const form = new URLSearchParams(body);
    if (form.get('Action') === 'DescribeStacks') return this.describeStacks(form.get('StackName') ?? '', response);
    if (form.get('Action') === 'GetTemplate') return this.getTemplate(form.get('StackName') ?? '', response);
    this.requests.push(`unknown ${request.method} ${request.url} ${target}`);
    response.writeHead(400).end();
  }

  private refuse(
    response: http.ServerResponse,
    target: string,
    error: { status: number; code: string; message: string },
  ): void {
    if (target) {
      response.writeHead(error.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': `${error.code};Sender`,
      });
      response.end(JSON.stringify({ __type: error.code, message: error.message }));
      return;
    }
    response.writeHead(error.status, { 'content-type': 'text/xml' });
    response.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${error.message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }

  private describeStacks(name: string, response: http.ServerResponse): void {
    this.requests.push(`cloudformation:DescribeStacks:${name}`);
    const outputs = this.stacks.get(name);
    if (!outputs) {
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
          `<Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const members = Object.entries(outputs)
      .map(
        ([key, value]) => `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue></member>`,
      )
      .join('');
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
        `<StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${xml(name)}/1</StackId>` +
        `<StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-11-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs>` +
        `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }

  private getTemplate(name: string, response: http.ServerResponse): void {
    this.requests.push(`cloudformation:GetTemplate:${name}`);
    const template = this.templates.get(name);
    if (template === undefined) {
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
          `<Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<GetTemplateResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><GetTemplateResult>` +
        `<TemplateBody>${xml(JSON.stringify(template))}</TemplateBody><StagesAvailable><member>Original</member></StagesAvailable>` +
        `</GetTemplateResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetTemplateResponse>`,
    );
  }

  private sqs(operation: string, input: Record<string, unknown>, response: http.ServerResponse): void {
    this.requests.push(`sqs:${operation}:${String(input.QueueUrl).split('/').pop()}`);
    const queue = this.queues.get(String(input.QueueUrl));
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(payload));
    };
    if (!queue)
      return reply(400, {
        __type: 'com.amazonaws.sqs#QueueDoesNotExist',
        message: 'The specified queue does not exist.',
      });
    switch (operation) {
      case 'GetQueueAttributes':
        return reply(200, { Attributes: queue.attributes() });
      case 'SendMessageBatch': {
        const entries = input.Entries as Array<{ Id: string; MessageBody: string }>;
        return reply(200, {
          Successful: entries.map((entry) => ({
            Id: entry.Id,
            MessageId: queue.send(entry.MessageBody),
            MD5OfMessageBody: md5(entry.MessageBody),
          })),
          Failed: [],
        });
      }
      case 'ReceiveMessage': {
        const received = queue.receive(Number(input.MaxNumberOfMessages ?? 1), Number(input.VisibilityTimeout ?? 30));
        return reply(200, {
          Messages: received.map((message) => ({
            MessageId: message.id,
            ReceiptHandle: message.receipt,
            Body: message.body,
            MD5OfBody: md5(message.body),
            Attributes: { SentTimestamp: String(message.sentAt) },
          })),
        });
      }
      case 'DeleteMessageBatch': {
        const entries = input.Entries as Array<{ Id: string; ReceiptHandle: string }>;
        for (const entry of entries) queue.delete(entry.ReceiptHandle);
        return reply(200, { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] });
      }
      default:
        return reply(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `not faked: ${operation}` });
    }
  }

  private cloudwatch(operation: string, input: Record<string, unknown>, response: http.ServerResponse): void {
    this.requests.push(`cloudwatch:${operation}:${String(input.MetricName)}`);
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(
      JSON.stringify({
        Label: input.MetricName,
        Datapoints: this.metrics.get(`${String(input.Namespace)}/${String(input.MetricName)}`) ?? [],
      }),
    );
  }
}

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receipt?: string;
}

/** One queue: messages become invisible when received, visible again when their timeout passes. */
export class SqsQueue {
  readonly messages: StoredMessage[] = [];

  send(body: string): string {
    const id = randomUUID();
    this.messages.push({ id, body, sentAt: Date.now(), visibleAt: 0 });
    return id;
  }

  receive(max: number, visibilitySeconds: number): StoredMessage[] {
    const now = Date.now();
    const visible = this.messages.filter((message) => message.visibleAt <= now).slice(0, Math.min(max, 10));
    for (const message of visible) {
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receipt = randomUUID();
    }
    return visible.map((message) => ({ ...message }));
  }

  delete(receipt: string): void {
    const index = this.messages.findIndex((message) => message.receipt === receipt);
    if (index >= 0) this.messages.splice(index, 1);
  }

  bodies(): string[] {
    return this.messages.map((message) => message.body);
  }

  attributes(): Record<string, string> {
    const now = Date.now();
    const visible = this.messages.filter((message) => message.visibleAt <= now).length;
    return {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(this.messages.length - visible),
      ApproximateNumberOfMessagesDelayed: '0',
    };
  }
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
