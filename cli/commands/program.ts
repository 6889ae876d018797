import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseCallerId, parseMemoryIdentity, type CallerId } from '../../lambdas/shared/caller';
import { MemoryStoreError } from '../../lambdas/shared/memory';
import { INGEST_FAILED_MESSAGE } from '../../lambdas/ingest/handler';
import { AdminError, EXIT, notFound, usageError } from '../admin-error';
import { openAwsDeployment } from '../aws/aws-deployment';
import { fromAwsError } from '../aws/aws-errors';
import { archiveKeys, isEmpty, memoriesOf, type CallerData, type IdentityData } from '../caller-data';
import type { Deployment, QueueStatus, SettableSecret } from '../deployment';
import { scopeFromOption } from '../deployment-configuration';
import { exportCaller } from '../export';
import { eraseCaller, planErasure } from '../forget';
import { replayConversations, replayDates, replayDeadLetters, type ReplayReport } from '../replay';
import { runSmoke } from '../smoke';
import { registerElevenLabsCommands } from './elevenlabs-commands';
import { counted } from '../plural';
import { progressBar, type ProgressOutput } from './progress';
import { PromptInterrupted, Prompter, type PromptInput } from './prompt';

export interface CliIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  stdin: PromptInput;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C: long commands (backfill) stop at a safe point. */
  signal?: AbortSignal;
}

interface TargetOptions {
  stack?: string;
  region?: string;
  local?: boolean;
  home?: string;
}

const EXIT_CODES_HELP = `
Exit codes: 0 done, 1 failed, 2 usage error (bad option or argument; confirmation needed
without a terminal), 3 not found (stack, caller, conversation, data directory),
4 no access (AWS credentials missing, expired or refused).`;

const SECRET_CHOICES: Record<string, SettableSecret> = {
  mem0: 'mem0ApiKey',
  hmac: 'hmacKey',
  elevenlabs: 'elevenLabsApiKey',
};
const WAIT_TIMEOUT_MS = 300_000;

/** Runs one command line; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line = '') => void io.stdout.write(`${line}\n`);
  const program = new Command('agentic-memory')
    .description('Operate an AgenticMemory deployment: on AWS (--stack NAME) or on this machine (--local).')
    .addOption(
      new Option(
        '--stack <name>',
        'a deployed stack, found by its CloudFormation outputs (AWS credentials from the usual chain)',
      ),
    )
    .addOption(new Option('--region <region>', "AWS region of the stack (default: AWS_REGION or your profile's)"))
    .addOption(new Option('--local', 'the local stack (npm start) and its data directory'))
    .addOption(
      new Option('--home <dir>', 'the local data directory (default: AGENTIC_MEMORY_HOME or ./.agentic-memory)'),
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  let exitCode: number = EXIT.ok;
  /** An action on the chosen deployment; the command's parsed arguments come along with its options. */
  const withDeployment =
    (work: (deployment: Deployment, options: Record<string, unknown>, args: unknown[]) => Promise<number | void>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<TargetOptions & Record<string, unknown>>();
      const deployment = await openTarget(options, io);
      try {
        exitCode = (await work(deployment, options, command.processedArgs)) ?? EXIT.ok;
      } finally {
        await deployment.close();
      }
    };

  program
    .command('forget')
    .description(
      'Erase a caller: their memories, every archived object under their prefixes, the recordings and raw webhooks of their conversations.',
    )
    .addArgument(
      new Argument('<caller>', 'phone number (any format with a country code) or caller id').argParser(callerArgument),
    )
    .option('--scope <name>', SCOPE_OPTION_HELP)
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText(
      'after',
      '\nShows what it will erase and asks first (unless --yes). Afterwards a pre-call for that number is a new caller.' +
        '\nWithout --scope the caller is erased in every memory scope they have anything in.',
    )
    .action(
      withDeployment(async (deployment, options, [caller]) => {
        const callerId = caller as CallerId;
        const scope = chosenScope(options, deployment);
        await deployment.quiesce();
        const plan = await planErasure(deployment, callerId, scope);
        if (isEmpty(plan))
          throw notFound(`nothing is held about caller ${callerId}${inScope(scope)} in ${deployment.description}`);
        say(`Caller ${callerId}${inScope(scope)} in ${deployment.description}:`);
        describeHoldings(plan, say);
        if (!options.yes) {
          const prompter = new Prompter(io.stdin, io.stdout);
          if (!prompter.interactive) throw usageError('not a terminal: add --yes to erase without confirmation');
          const answer = (
            await prompter.ask('Erase all of this? It cannot be undone. [y/N] ').finally(() => prompter.close())
          ).trim();
          if (!/^y(es)?$/i.test(answer)) {
            say('Nothing was erased.');
            return EXIT.failed;
          }
        }
        const report = await eraseCaller(deployment, plan);
        say(
          `Erased ${counted(report.memoriesErased, 'memory', 'memories')} and ${counted(report.objectsErased.length, 'archived object')}:`,
        );
        for (const key of report.objectsErased) say(`  ${key}`);
        if (!isEmpty(report.remaining)) {
          io.stderr.write(
            `agentic-memory: more was found after erasing (an ingest in flight?): ${counted(memoriesOf(report.remaining).length, 'memory', 'memories')}, ` +
              `${counted(archiveKeys(report.remaining).length, 'object')}. Run forget again.\n`,
          );
          return EXIT.failed;
        }
        say(
          scope === undefined
            ? `Caller ${callerId} is forgotten: their next pre-call is a new caller's.`
            : `Caller ${callerId} is forgotten in scope ${scope}: their next pre-call to its agents is a new caller's.`,
        );
        return EXIT.ok;
      }),
    );

  program
    .command('export')
    .description(
      'Everything held about a caller (memories, archived transcripts, pre-call records, recording keys) as one JSON document.',
    )
    .addArgument(new Argument('<caller>', 'phone number or caller id').argParser(callerArgument))
    .option('--scope <name>', SCOPE_OPTION_HELP)
    .option('-o, --output <file>', 'write the document to a file (mode 0600) instead of standard output')
    .addHelpText('after', '\nWithout --scope the document covers every memory scope the caller has anything in.')
    .action(
      withDeployment(async (deployment, options, [caller]) => {
        const callerId = caller as CallerId;
        const scope = chosenScope(options, deployment);
        const bar = progressBar(io.stderr, 'Reading the archive');
        const document = await exportCaller(deployment, callerId, {
          scope,
          onProgress: (done, total) => bar.update(done, total),
        }).finally(() => bar.finish());
        const json = `${JSON.stringify(document, null, 2)}\n`;
        if (typeof options.output === 'string') {
          const file = path.resolve(io.cwd, options.output);
          await writeFile(file, json, { mode: 0o600 });
          io.stderr.write(
            `Exported ${counted(document.memories.length, 'memory', 'memories')}, ${counted(document.conversations.length, 'conversation')} and ` +
              `${counted(document.preCallRecords.length, 'pre-call record')} to ${file}\n`,
          );
        } else {
          io.stdout.write(json);
        }
      }),
    );

  program
    .command('replay')
    .description(
      'Re-ingest: move the dead-letter queue back to the worker, or re-ingest chosen conversations or a date range from the archive. Idempotent.',
    )
    .option('--dead-letters', 'redrive every dead-lettered payload')
    .option('--conversation <id...>', 'conversation ids to re-ingest')
    .option('--from <date>', 'first day (YYYY-MM-DD, UTC, as the inbox folders are named) to re-ingest')
    .option('--to <date>', 'last day, inclusive (default: --from)')
    .option('--wait', 'wait until the ingest queue is empty, then report the dead letters')
    .addHelpText('after', '\nEach memory of a conversation is written once however often it is replayed.')
    .action(
      withDeployment(async (deployment, options) => {
        const modes = [options.deadLetters, options.conversation, options.from].filter(Boolean).length;
        if (modes !== 1) throw usageError('choose one of --dead-letters, --conversation ID…, --from DATE [--to DATE]');
        if (options.to && !options.from) throw usageError('--to needs --from');
        const bar = progressBar(io.stderr, 'Replaying');
        const progress = (done: number, total: number) => bar.update(done, total);
        try {
          if (options.deadLetters) {
            const moved = await replayDeadLetters(deployment, progress);
            bar.finish();
            say(`Moved ${counted(moved, 'dead-lettered payload')} back to the ingest worker.`);
          } else {
            const report: ReplayReport = options.conversation
              ? await replayConversations(deployment, options.conversation as string[], progress)
              : await replayDates(deployment, String(options.from), String(options.to ?? options.from), progress);
            bar.finish();
            say(`Handed ${counted(report.enqueued.length, 'archived transcription')} to the ingest worker.`);
            if (report.notFound.length > 0) say(`No archived transcription of: ${report.notFound.join(', ')}`);
          }
        } finally {
          bar.finish();
        }
        if (options.wait) {
          const status = await waitForEmptyQueue(deployment);
          say(`Ingest queue empty. Dead letters: ${status.deadLetters}.`);
          if (status.deadLetters > 0) return EXIT.failed;
        }
        return EXIT.ok;
      }),
    );

  program
    .command('status')
    .description('Ingest queue depth, age of the oldest message, dead letters and recent ingest failures.')
    .option('--json', 'print the status as JSON')
    .action(
      withDeployment(async (deployment, options) => {
        const status = await deployment.queue.status();
        if (options.json) {
          say(JSON.stringify(statusDocument(deployment.description, status), null, 2));
          return;
        }
        describeStatus(deployment.description, status, say, targetFlags(options));
      }),
    );

  program
    .command('secrets')
    .description('Set the Mem0 API key and the ElevenLabs HMAC key (input hidden); show where the generated keys live.')
    .option('--set <which...>', `only these: ${Object.keys(SECRET_CHOICES).join(', ')}`)
    .option('--list', 'only show where each secret lives')
    .addHelpText(
      'after',
      '\nOn a terminal each value is typed hidden; Enter keeps the current one. From a pipe, one line per secret.',
    )
    .action(
      withDeployment(async (deployment, options) => {
        const locations = deployment.secrets.locations();
        say(`Secrets of ${deployment.description}:`);
        const width = Math.max(...locations.map((entry) => entry.label.length));
        for (const entry of locations) {
          say(`  ${entry.label.padEnd(width)}  ${entry.location}`);
          if (entry.hint) say(`  ${''.padEnd(width)}  ${entry.hint}`);
        }
        if (options.list) return;
        const wanted = secretsToSet(options.set as string[] | undefined);
        const settable = locations.filter(
          (entry) => entry.settable && (!wanted || wanted.includes(entry.name as SettableSecret)),
        );
        for (const name of wanted ?? []) {
          if (settable.some((entry) => entry.name === name)) continue;
          const entry = locations.find((location) => location.name === name);
          throw usageError(
            entry
              ? `the ${entry.label} cannot be set here: it is ${entry.location}`
              : `${deployment.description} has no ${name} secret`,
          );
        }
        const prompter = new Prompter(io.stdin, io.stdout);
        try {
          for (const entry of settable) {
            const value = (await prompter.askHidden(`New ${entry.label} (Enter keeps the current one): `)).trim();
            if (value === '') {
              say(`  ${entry.label}: unchanged`);
              continue;
            }
            say(`  ${entry.label}: ${await deployment.secrets.set(entry.name as SettableSecret, value)}`);
          }
        } finally {
          prompter.close();
        }
      }),
    );

  program
    .command('smoke')
    .description(
      'Prove the stack end to end as ElevenLabs would, with a synthetic test caller who is erased at the end.',
    )
    .option('--timeout <seconds>', 'how long the call may take to become memory', '90')
    .addHelpText('after', '\nPrints each step with its latency; exits 1 if any step fails.')
    .action(
      withDeployment(async (deployment, options) => {
        const seconds = Number(options.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0)
          throw usageError(`--timeout must be a number of seconds, not "${String(options.timeout)}"`);
        say(`Smoke test of ${deployment.description}`);
        const report = await runSmoke(deployment, {
          rememberTimeoutMs: seconds * 1000,
          onStep: (step) =>
            say(`${step.ok ? '✓' : '✗'} ${step.name.padEnd(62)} ${String(step.ms).padStart(6)} ms  ${step.detail}`),
        });
        say(report.ok ? 'All steps passed.' : `${counted(report.steps.filter((s) => !s.ok).length, 'step')} failed.`);
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  registerElevenLabsCommands(program, io, withDeployment);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportFailure(error, io);
  }
}

const SCOPE_OPTION_HELP =
  'only this memory scope (a scope name of the memory-scope map, or an agent id), in a deployment that keeps memory per agent';

function callerArgument(raw: string): CallerId {
  const parsed = parseCallerId(raw);
  if (parsed.ok) return parsed.callerId;
  if (parsed.withheld) {
    throw new InvalidArgumentError(
      'It is a withheld number (anonymous, restricted, …): it identifies nobody, so nothing is ever held under it.',
    );
  }
  const identity = parseMemoryIdentity(raw.trim());
  if (identity?.scope !== undefined) {
    throw new InvalidArgumentError(
      `It is a memory identity: name the caller and the scope apart, ${identity.callerId} --scope ${identity.scope}.`,
    );
  }
  throw new InvalidArgumentError(`It ${parsed.problem}.`);
}

/** The scope of `--scope`, checked against the deployment's configuration; undefined: every scope. */
function chosenScope(options: Record<string, unknown>, deployment: Deployment): string | undefined {
  return typeof options.scope === 'string'
    ? scopeFromOption(options.scope, deployment.configuration.memoryScope, deployment.description)
    : undefined;
}

function inScope(scope: string | undefined): string {
  return scope === undefined ? '' : ` in scope ${scope}`;
}

function secretsToSet(names: string[] | undefined): SettableSecret[] | undefined {
  if (!names) return undefined;
  return names.map((name) => {
    const secret = SECRET_CHOICES[name.toLowerCase()];
    if (!secret) throw usageError(`--set takes ${Object.keys(SECRET_CHOICES).join(', ')}; not "${name}"`);
    return secret;
  });
}

async function openTarget(options: TargetOptions, io: CliIo): Promise<Deployment> {
  if (Boolean(options.stack) === Boolean(options.local)) {
    throw usageError('say which deployment: --stack NAME (deployed on AWS) or --local (this machine)');
  }
  if (options.stack) {
    return openAwsDeployment({ stackName: options.stack, region: options.region });
  }
  const home = path.resolve(io.cwd, options.home ?? (io.env.AGENTIC_MEMORY_HOME?.trim() || '.agentic-memory'));
  let local: typeof import('../local/local-deployment');
  try {
    // Loaded for --local only: the local stack needs s3rver, a development dependency.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    local = require('../local/local-deployment') as typeof import('../local/local-deployment');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw usageError(
        '--local needs a checkout of AgenticMemory with its development dependencies installed (npm ci)',
      );
    }
    throw error;
  }
  return local.openLocalDeployment({ home, env: io.env, log: (line) => void io.stderr.write(`${line}\n`) });
}

function targetFlags(options: TargetOptions): string {
  return options.stack
    ? `--stack ${options.stack}${options.region ? ` --region ${options.region}` : ''}`
    : `--local${options.home ? ` --home ${options.home}` : ''}`;
}

const LISTED_PER_GROUP = 20;

function describeHoldings(plan: CallerData, say: (line?: string) => void): void {
  for (const entry of plan.identities) {
    say(
      entry.scope === null
        ? `  memory identity ${entry.identity} (no scope: shared by every agent)`
        : `  memory identity ${entry.identity} (scope ${entry.scope})`,
    );
    describeIdentity(entry, say);
  }
}

function describeIdentity(entry: IdentityData, say: (line?: string) => void): void {
  const byType = new Map<string, number>();
  for (const memory of entry.memories) byType.set(memory.metadata.type, (byType.get(memory.metadata.type) ?? 0) + 1);
  const types = [...byType].map(([type, count]) => `${count} ${type}`).join(', ');
  say(`    memories          ${entry.memories.length}${types ? ` (${types})` : ''}`);
  const groups: Array<[string, string[]]> = [
    ['pre-call records', entry.preCallRecordKeys],
    ['transcripts', entry.transcriptKeys],
    ['recordings', entry.audioKeys],
    ['raw webhooks', entry.rawKeys],
  ];
  for (const [label, keys] of groups) {
    say(`    ${label.padEnd(17)} ${keys.length}`);
    for (const key of keys.slice(0, LISTED_PER_GROUP)) say(`      ${key}`);
    if (keys.length > LISTED_PER_GROUP) say(`      … and ${keys.length - LISTED_PER_GROUP} more`);
  }
}

function describeStatus(description: string, status: QueueStatus, say: (line?: string) => void, flags: string): void {
  const age = status.oldestMessageAgeSeconds;
  say(description);
  say(
    `  ingest queue       ${status.waiting} waiting${status.inFlight === undefined ? ' or in flight' : `, ${status.inFlight} in flight`}`,
  );
  say(`  oldest message     ${age === undefined ? '-' : `${age} s`}`);
  say(
    `  dead letters       ${status.deadLetters}${status.deadLetters > 0 ? `   (fix the cause, then: agentic-memory replay --dead-letters ${flags})` : ''}`,
  );
  const failures = status.recentFailures;
  // The description is a plural noun phrase ("payloads dead-lettered in …"): the count follows it.
  say(`  recent failures    ${failures.description}: ${failures.count ?? 'unknown'}`);
  for (const letter of failures.deadLettered) {
    say(
      `    ${letter.at ?? 'unknown time'}  ${letter.keys.join(', ') || '(no inbox key)'}${letter.reason ? `  ${letter.reason}` : ''}`,
    );
  }
  // SQS keeps no reason with a dead letter: the worker logged each failed attempt with its key.
  if (failures.deadLettered.some((letter) => !letter.reason)) {
    say(
      `    why: the ingest function's log (CloudWatch Logs Insights: filter message = "${INGEST_FAILED_MESSAGE}" and key = "<key>")`,
    );
  }
}

/**
 * `status --json`: what the text shows, every field always present (null where the deployment
 * cannot tell: the oldest message's age of an empty queue, in-flight messages counted as waiting).
 */
function statusDocument(description: string, status: QueueStatus) {
  const failures = status.recentFailures;
  return {
    deployment: description,
    waiting: status.waiting,
    inFlight: status.inFlight ?? null,
    oldestMessageAgeSeconds: status.oldestMessageAgeSeconds ?? null,
    deadLetters: status.deadLetters,
    recentFailures: {
      description: failures.description,
      count: failures.count ?? null,
      deadLettered: failures.deadLettered.map((letter) => ({
        keys: letter.keys,
        at: letter.at ?? null,
        reason: letter.reason ?? null,
      })),
    },
  };
}

async function waitForEmptyQueue(deployment: Deployment): Promise<QueueStatus> {
  const startedAt = Date.now();
  for (;;) {
    const status = await deployment.queue.status();
    if (status.waiting + (status.inFlight ?? 0) === 0) return status;
    if (Date.now() - startedAt > WAIT_TIMEOUT_MS)
      throw new AdminError(`the ingest queue is still not empty after ${WAIT_TIMEOUT_MS / 1000} s`, EXIT.failed);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version'
      ? EXIT.ok
      : EXIT.usage;
  }
  if (error instanceof PromptInterrupted) {
    io.stderr.write('agentic-memory: interrupted; nothing more was changed\n');
    return EXIT.failed;
  }
  const known = fromAwsError(error) ?? (error instanceof MemoryStoreError ? memoryFailure(error) : undefined);
  if (known) {
    io.stderr.write(`agentic-memory: ${known.message}\n`);
    return known.exitCode;
  }
  io.stderr.write(`agentic-memory: ${(error as Error).message ?? String(error)}\n`);
  if (io.env.AGENTIC_MEMORY_DEBUG) io.stderr.write(`${(error as Error).stack ?? ''}\n`);
  return EXIT.failed;
}

function memoryFailure(error: MemoryStoreError): AdminError {
  const refused = /HTTP 40[13]/.test(error.message);
  return new AdminError(
    refused ? `${error.message} (is the Mem0 API key right? agentic-memory secrets --set mem0)` : error.message,
    refused ? EXIT.noAccess : EXIT.failed,
    { cause: error },
  );
}
