import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  logRetentionOf,
  removalPolicyOf,
  retrieveAuthOf,
  type AgenticMemoryProps,
  type HttpThrottling,
  type PerEndpoint,
} from '../agentic-memory-props';
import { METRIC, SERVICE } from '../contract';
import type { MemoryFunction } from '../memory-function';
import type { MonitoredEndpoint } from '../monitoring';
import { acknowledge } from '../nag';
import { createMemoryFunction, type MemoryFunctionSettings } from './memory-functions';

/** The three endpoints ElevenLabs calls. */
export type EndpointKey = keyof PerEndpoint<unknown>;

/** Each HTTP endpoint's one route. */
export const ROUTE_PATH = {
  clientData: '/client-data',
  retrieve: '/retrieve',
  postCall: '/post-call',
} as const;

/** Each endpoint: the prefix of its construct ids, its dashboard title and what its handler reports. */
const ENDPOINTS = {
  clientData: {
    id: 'ClientData',
    title: 'Pre-call (client-data)',
    handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses, METRIC.archiveFailures],
    answersWithoutMemory: true,
    latencyBudget: Duration.millis(2500),
  },
  retrieve: {
    id: 'Retrieve',
    title: 'In-call (retrieve)',
    handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses],
    answersWithoutMemory: true,
    latencyBudget: Duration.millis(2000),
  },
  postCall: {
    id: 'PostCall',
    title: 'Post-call (webhook)',
    handlerMetrics: [METRIC.signatureRejections, METRIC.archiveFailures],
    answersWithoutMemory: false,
    latencyBudget: Duration.millis(3000),
  },
} as const;

const DEFAULT_THROTTLING: Required<HttpThrottling> = { rateLimit: 50, burstLimit: 100 };
const DEFAULT_DEGRADED_ANSWERS_THRESHOLD = 5;

/** How each endpoint authenticates a request, for the cdk-nag acknowledgement of its missing authorizer. */
const AUTHENTICATION = {
  secretHeader: 'the function compares a secret header in constant time before any other work',
  signature: 'the function verifies the HMAC-SHA256 signature over the raw body before any other work',
  token:
    'the function verifies the per-call HMAC-SHA256 memory token (X-Memory-Token) in constant time before any other work, and searches only the caller it names',
  'token-or-key':
    'the function verifies the per-call HMAC-SHA256 memory token (X-Memory-Token), or compares the static X-Api-Key, in constant time before any other work',
  open: 'the operator turned the X-Api-Key check off (retrieveAuth: key, retrieveRequireApiKey: false), so the endpoint is open by choice',
} as const;

/** Access log line of the HTTP APIs: JSON, one object per request, no request bodies. */
const ACCESS_LOG_FORMAT = apigateway.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

export type HttpEndpointProps = MemoryFunctionSettings &
  Pick<
    AgenticMemoryProps,
    | 'reservedConcurrency'
    | 'provisionedConcurrency'
    | 'throttling'
    | 'latencyBudgets'
    | 'degradedAnswersThreshold'
    | 'retrieveAuth'
    | 'retrieveRequireApiKey'
  > & {
    /** The function's environment. */
    readonly environment: Record<string, string>;
  };

/**
 * One endpoint ElevenLabs calls: its function, an HTTP API with one POST route to it, the
 * `$default` stage (throttled, access logs as JSON in a log group of its own) and, with
 * provisioned concurrency, a `live` alias the API invokes. Its alarms (5xx rate, p99 over
 * budget, throttles, answers without memory) are drawn by `AgenticMemoryMonitoring` from
 * `monitoredEndpoint`.
 *
 * Not a construct of its own: everything is created in `scope` (the AgenticMemory construct),
 * under ids that start with the endpoint's name (`ClientDataFunction`, `ClientDataApi`, …), so
 * that the logical ids stay those of a deployed stack.
 */
export class HttpEndpoint {
  /** The function behind the endpoint. */
  public readonly function: MemoryFunction;
  /** The HTTP API. */
  public readonly api: apigwv2.HttpApi;
  /** The `$default` stage (throttling, access logs). */
  public readonly stage: apigwv2.HttpStage;
  /** The stage's access log group. */
  public readonly accessLogs: logs.LogGroup;
  /** The `live` alias the API invokes, with provisioned concurrency. */
  public readonly alias?: lambda.Alias;
  /** Full URL, with the route's path. */
  public readonly url: string;
  /** The endpoint as the monitoring draws it and alarms on it. */
  public readonly monitoredEndpoint: MonitoredEndpoint;

  constructor(scope: Construct, endpoint: EndpointKey, props: HttpEndpointProps) {
    const { id, title, handlerMetrics, answersWithoutMemory } = ENDPOINTS[endpoint];
    const path = ROUTE_PATH[endpoint];
    this.function = createMemoryFunction(scope, `${id}Function`, endpoint, props, {
      environment: props.environment,
      reservedConcurrentExecutions: props.reservedConcurrency?.[endpoint],
    });
    const provisioned = props.provisionedConcurrency?.[endpoint];
    this.alias = provisioned
      ? this.function.addAlias('live', { provisionedConcurrentExecutions: provisioned })
      : undefined;

    this.api = new apigwv2.HttpApi(scope, `${id}Api`, {
      description: `AgenticMemory ${this.function.serviceName}: POST ${path}`,
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(scope, `${id}ApiAccessLogs`, {
      retention: logRetentionOf(props),
      removalPolicy: removalPolicyOf(props),
    });
    this.stage = new apigwv2.HttpStage(scope, `${id}ApiDefaultStage`, {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...DEFAULT_THROTTLING, ...props.throttling },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    this.api.addRoutes({
      path,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.alias ?? this.function),
    });
    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      `ElevenLabs can neither sign requests (IAM) nor obtain JWTs, so POST ${path} has no API Gateway authorizer; ${authenticationOf(endpoint, props)}.`,
    );
    this.url = `${this.api.apiEndpoint}${path}`;

    this.monitoredEndpoint = {
      title,
      api: this.api,
      function: this.function,
      serviceName: SERVICE[endpoint],
      latencyBudget: props.latencyBudgets?.[endpoint] ?? ENDPOINTS[endpoint].latencyBudget,
      handlerMetrics,
      degradedAnswersThreshold: answersWithoutMemory
        ? (props.degradedAnswersThreshold ?? DEFAULT_DEGRADED_ANSWERS_THRESHOLD)
        : undefined,
    };
  }
}

function authenticationOf(endpoint: EndpointKey, props: HttpEndpointProps): string {
  if (endpoint === 'postCall') return AUTHENTICATION.signature;
  if (endpoint === 'clientData') return AUTHENTICATION.secretHeader;
  const mode = retrieveAuthOf(props);
  if (mode === 'key') return props.retrieveRequireApiKey === false ? AUTHENTICATION.open : AUTHENTICATION.secretHeader;
  return AUTHENTICATION[mode];
}
