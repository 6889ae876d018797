import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
  type BundlingOptions,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type FunctionServiceName, type MemoryBackendName, type ServiceName } from './contract';

/** Lambda runtime of every AgenticMemory function. */
export const MEMORY_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** Graviton: cheaper per GB-second and at least as fast for this I/O-bound work. */
export const MEMORY_FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

export interface MemoryFunctionProps<S extends FunctionServiceName = ServiceName> {
  /**
   * The handler's folder under `lambdas/` (`lambdas/<service>/index.ts`, exporting `handler`);
   * also the Powertools service name.
   */
  readonly serviceName: S;

  /**
   * Where the handler keeps memories, which chooses its entry: `lambdas/<service>/index-agentcore.ts`
   * for `agentcore`, `index.ts` for `mem0` (a function without a memory store has `index.ts` only).
   * @default 'mem0'
   */
  readonly memoryBackend?: MemoryBackendName;

  /** What the function does, for the console. */
  readonly description: string;

  /** Memory, MB. */
  readonly memorySize: number;

  /** Timeout. */
  readonly timeout: Duration;

  /**
   * Environment for the handler. The wrapper adds `NODE_OPTIONS=--enable-source-maps`,
   * `MEM0_TELEMETRY=false`, `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_METRICS_NAMESPACE`.
   * @default - only the variables the wrapper adds
   */
  readonly environment?: Record<string, string>;

  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * X-Ray tracing mode.
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Reserved concurrency.
   * @default - none: the function draws on the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Powertools log level (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: string;
}

/**
 * One AgenticMemory Lambda function, configured once: Node.js 24 on ARM64, bundled by the local
 * esbuild (no Docker), minified with source maps, its own log group and its own role. In the
 * installed package the bundle is the one `npm pack` built with the same options (`functionCode`).
 *
 * The role starts with no permissions but writing to its log group (no
 * `AWSLambdaBasicExecutionRole`, whose `logs:*` statements apply to every log group); the
 * construct that owns the function grants the rest, resource by resource.
 */
export class MemoryFunction<S extends FunctionServiceName = ServiceName> extends NodejsFunction {
  /** The Powertools service name, also the `service` dimension of its metrics. */
  public readonly serviceName: S;
  /** The function's execution role. */
  public readonly executionRole: iam.Role;
  /** The function's log group. */
  public readonly functionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MemoryFunctionProps<S>) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the AgenticMemory ${props.serviceName} function`,
    });
    logGroup.grantWrite(role);

    const code = functionCode(handlerEntry(props.serviceName, props.memoryBackend));
    super(scope, id, {
      ...('prebuilt' in code
        ? // Deployed as it is: esbuild run over it again would change its bytes.
          { code: lambda.Code.fromAsset(code.prebuilt), handler: 'index.handler' }
        : { entry: code.source, handler: 'handler', bundling: memoryFunctionBundling() }),
      description: props.description,
      runtime: MEMORY_FUNCTION_RUNTIME,
      architecture: MEMORY_FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      tracing: props.tracing ?? lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        MEM0_TELEMETRY: 'false',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
    });

    this.serviceName = props.serviceName;
    this.executionRole = role;
    this.functionLogGroup = logGroup;
  }
}

/**
 * How every AgenticMemory function is bundled. The benchmark (`bench/`) builds with exactly these
 * options, so the sizes and start-up times it reports are those of what is deployed.
 */
export function memoryFunctionBundling(): BundlingOptions {
  return {
    // Bundled with the esbuild in node_modules (a development dependency: only a checkout bundles
    // from source), so synth needs no Docker.
    forceDockerBundling: false,
    format: OutputFormat.CJS,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    // The AWS SDK v3 is bundled (tree-shaken, minified) rather than loaded from the runtime's
    // copy: one parsed file starts faster than resolving the runtime's node_modules, and the
    // version is the one the tests ran against.
    externalModules: [],
    // ES module builds first: the SDK's CommonJS builds are one file per client holding every
    // operation, which nothing can tree-shake; its ES modules keep only the commands we send.
    mainFields: ['module', 'main'],
    // Modules no function runs, bundled as small stand-ins (each file says why).
    esbuildArgs: {
      '--alias': Object.entries(BUNDLED_INSTEAD).map(([module, file]) => `${module}=${path.join(packageRoot(), file)}`),
    },
    logLevel: LogLevel.WARNING,
  };
}

/**
 * What is bundled in place of what, by path under the package root (made absolute in the alias:
 * esbuild runs in the app's folder, not this package's): mem0ai's axios, which it never calls;
 * the SDK's default credential chain, of which a Lambda only ever uses the environment; and the
 * SDK's event streams, which no function uses.
 */
export const BUNDLED_INSTEAD: Readonly<Record<string, string>> = {
  axios: 'lambdas/shared/memory/mem0-axios-shim.ts',
  '@aws-sdk/credential-provider-node': 'lambdas/shared/aws/lambda-credentials.ts',
  '@smithy/core/event-streams': 'lambdas/shared/aws/no-event-streams.ts',
};

/**
 * Where this package's root is: the nearest folder above this file holding a package.json. The
 * construct runs from `lib/` (tsx, ts-jest: the repository) and from `dist/lib/` (the installed
 * package, which ships the handlers' prebuilt bundles, not their sources).
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`AgenticMemory: cannot find the package.json above ${from}`);
    dir = parent;
  }
}

/** The entry file of a service's handler, for the memory backend it is bundled with. */
export function handlerEntry(serviceName: FunctionServiceName, memoryBackend: MemoryBackendName = 'mem0'): string {
  return path.join(
    packageRoot(),
    'lambdas',
    serviceName,
    memoryBackend === 'agentcore' ? 'index-agentcore.ts' : 'index.ts',
  );
}

/** The folder, under the package root, of the bundles the package ships (scripts/build-functions.ts). */
export const PREBUILT_FUNCTIONS_DIR = 'functions';

/**
 * Where the package ships the bundle of a handler entry: `lambdas/<service>/index<variant>.ts`
 * (`index.ts`, `index-agentcore.ts`) is bundled to `functions/<service><variant>/index.js`, its
 * source map beside it. Two folders below the package root, as `cdk synth` bundles two folders
 * below the app (`cdk.out/bundling-temp-…/`): esbuild writes the paths in a source map relative to
 * the map, so at the same depth the prebuilt bundle and the construct's own are the same bytes.
 */
export function prebuiltBundleDir(entry: string): string {
  const serviceDir = path.dirname(entry);
  const root = path.dirname(path.dirname(serviceDir));
  const variant = path.basename(entry, '.ts').slice('index'.length);
  return path.join(root, PREBUILT_FUNCTIONS_DIR, `${path.basename(serviceDir)}${variant}`);
}

/**
 * What a function deploys, given its handler entry (`handlerEntry`): in a checkout, where the
 * source is, the source, bundled at synth with `memoryFunctionBundling()`; in the installed
 * package, which ships no handler sources, the bundle `npm pack` built from them with the same
 * options. A consumer's synth then bundles nothing and deploys the bytes this repository tested.
 */
export function functionCode(entry: string): { readonly source: string } | { readonly prebuilt: string } {
  if (fs.existsSync(entry)) return { source: entry };
  const prebuilt = prebuiltBundleDir(entry);
  if (fs.existsSync(path.join(prebuilt, 'index.js'))) return { prebuilt };
  throw new Error(`AgenticMemory: neither the handler ${entry} nor its prebuilt bundle ${prebuilt} exists`);
}
