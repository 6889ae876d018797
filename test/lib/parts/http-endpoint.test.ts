import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { METRIC } from '../../../lib/contract';
import { HttpEndpoint, ROUTE_PATH, type EndpointKey, type HttpEndpointProps } from '../../../lib/parts/http-endpoint';
import { flatten, logicalId } from '../cdk-test-app';
import { acknowledgementsOn, nagViolations, partHost } from './part-host';

function endpointOf(key: EndpointKey, props: Partial<HttpEndpointProps> = {}) {
  const { stack, scope } = partHost();
  const endpoint = new HttpEndpoint(scope, key, { environment: { SOME_SETTING: 'on' }, ...props });
  return { stack, scope, endpoint, template: Template.fromStack(stack) };
}

const resourceOf = (template: Template, construct: Parameters<typeof logicalId>[0]) =>
  template.toJSON().Resources[logicalId(construct)];

describe('the pre-call endpoint, with defaults', () => {
  const { stack, scope, endpoint, template } = endpointOf('clientData');

  test('in the owner’s scope, under the logical ids of a deployed AgenticMemory', () => {
    expect([endpoint.function, endpoint.api, endpoint.accessLogs, endpoint.stage].map(logicalId)).toEqual([
      'MemoryClientDataFunction7A073578',
      'MemoryClientDataApi0764BD88',
      'MemoryClientDataApiAccessLogs09D78094',
      'MemoryClientDataApiDefaultStageB63663FA',
    ]);
  });

  test('its function is the client-data handler with the environment it was given', () => {
    expect(endpoint.function.serviceName).toBe('client-data');
    expect(resourceOf(template, endpoint.function).Properties.Environment.Variables.SOME_SETTING).toBe('on');
  });

  test('one route, POST /client-data, straight to the function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /client-data' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(endpoint.function), 'Arn'] },
    });
    expect(flatten(stack.resolve(endpoint.url))).toBe(`<${logicalId(endpoint.api)}.ApiEndpoint>/client-data`);
  });

  test('the $default stage: deployed on change, throttled at 50/s with bursts of 100, logging to its group', () => {
    expect(resourceOf(template, endpoint.stage).Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(endpoint.accessLogs), 'Arn'] } },
    });
    expect(resourceOf(template, endpoint.accessLogs)).toMatchObject({
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Retain',
    });
  });

  test('access log lines are JSON with the request’s metadata and never its body', () => {
    const format = JSON.parse(resourceOf(template, endpoint.stage).Properties.AccessLogSettings.Format);
    expect(Object.keys(format)).toEqual(
      expect.arrayContaining(['requestId', 'sourceIp', 'routeKey', 'status', 'responseLatency', 'integrationError']),
    );
    expect(JSON.stringify(format)).not.toMatch(/body|requestBody|\$input/i);
  });

  test('on the dashboard as the pre-call, with the handler’s outcomes and an alarm on answers without memory', () => {
    expect(endpoint.monitoredEndpoint).toEqual({
      title: 'Pre-call (client-data)',
      api: endpoint.api,
      function: endpoint.function,
      serviceName: 'client-data',
      latencyBudget: Duration.millis(2500),
      handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses, METRIC.archiveFailures],
      degradedAnswersThreshold: 5,
    });
  });

  test('no API Gateway authorizer, acknowledged with how the function authenticates instead; no other finding', () => {
    expect(acknowledgementsOn(endpoint.api)['AwsSolutions-APIG4']).toBe(
      'ElevenLabs can neither sign requests (IAM) nor obtain JWTs, so POST /client-data has no API Gateway authorizer; the function compares a secret header in constant time before any other work.',
    );
    expect(nagViolations(scope)).toEqual([]);
  });
});

test.each(['clientData', 'retrieve', 'postCall'] as const)('%s: its own route and ids', (key) => {
  const { endpoint, template } = endpointOf(key);
  template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `POST ${ROUTE_PATH[key]}` });
  const prefix = key.charAt(0).toUpperCase() + key.slice(1);
  expect(endpoint.function.node.id).toBe(`${prefix}Function`);
  expect(endpoint.api.node.id).toBe(`${prefix}Api`);
  expect(endpoint.stage.node.id).toBe(`${prefix}ApiDefaultStage`);
  expect(endpoint.accessLogs.node.id).toBe(`${prefix}ApiAccessLogs`);
});

test('post-call: authenticated by signature; never answers without memory, so no degraded-answer alarm', () => {
  const { endpoint } = endpointOf('postCall');
  expect(endpoint.monitoredEndpoint).toMatchObject({
    title: 'Post-call (webhook)',
    latencyBudget: Duration.millis(3000),
    handlerMetrics: [METRIC.signatureRejections, METRIC.archiveFailures],
    degradedAnswersThreshold: undefined,
  });
  expect(acknowledgementsOn(endpoint.api)['AwsSolutions-APIG4']).toMatch(
    /verifies the HMAC-SHA256 signature over the raw body before any other work\.$/,
  );
});

test.each([
  [{}, /memory token \(X-Memory-Token\), or compares the static X-Api-Key/],
  [{ retrieveAuth: 'token' as const }, /memory token \(X-Memory-Token\) in constant time .* searches only the caller/],
  [{ retrieveAuth: 'key' as const }, /compares a secret header in constant time/],
  [{ retrieveAuth: 'key' as const, retrieveRequireApiKey: false }, /open by choice/],
])('retrieve %p: the acknowledgement says how a search is authenticated', (props, reason) => {
  const { endpoint } = endpointOf('retrieve', props);
  expect(acknowledgementsOn(endpoint.api)['AwsSolutions-APIG4']).toMatch(reason);
});

test('provisioned concurrency: a live alias with it, and the API invokes the alias', () => {
  const { endpoint, template } = endpointOf('retrieve', { provisionedConcurrency: { retrieve: 3, clientData: 9 } });
  expect(endpoint.alias).toBeDefined();
  expect(resourceOf(template, endpoint.alias!).Properties).toMatchObject({
    Name: 'live',
    ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
  });
  template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
    IntegrationUri: { Ref: logicalId(endpoint.alias!) },
  });
});

test('without it: no alias', () => {
  const { endpoint, template } = endpointOf('retrieve', { provisionedConcurrency: { clientData: 2 } });
  expect(endpoint.alias).toBeUndefined();
  template.resourceCountIs('AWS::Lambda::Alias', 0);
});

test('the props that shape an endpoint: reserved concurrency, throttling, budgets, thresholds, logs', () => {
  const { endpoint, template } = endpointOf('retrieve', {
    reservedConcurrency: { retrieve: 4, clientData: 8 },
    throttling: { rateLimit: 10 },
    latencyBudgets: { retrieve: Duration.seconds(1) },
    degradedAnswersThreshold: 2,
    logRetention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  expect(resourceOf(template, endpoint.function).Properties.ReservedConcurrentExecutions).toBe(4);
  expect(resourceOf(template, endpoint.stage).Properties.DefaultRouteSettings).toEqual({
    ThrottlingRateLimit: 10,
    ThrottlingBurstLimit: 100,
  });
  expect(endpoint.monitoredEndpoint).toMatchObject({ latencyBudget: Duration.seconds(1), degradedAnswersThreshold: 2 });
  expect(resourceOf(template, endpoint.accessLogs)).toMatchObject({
    Properties: { RetentionInDays: 30 },
    DeletionPolicy: 'Delete',
  });
});
