import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT, usageError } from '../admin-error';
import type { BackfillReport } from '../backfill';
import type { ConnectReport } from '../connect';
import type { Deployment, Endpoints } from '../deployment';
import type { Pause } from '../elevenlabs/elevenlabs-api';
import type { ElevenLabsWorkspace } from '../elevenlabs/elevenlabs-workspace';
import { progressBar, type ProgressOutput } from './progress';

interface CommandIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C: long commands stop at a safe point. */
  signal?: AbortSignal;
}

type WithDeployment = (
  work: (deployment: Deployment, options: Record<string, unknown>, args: unknown[]) => Promise<number | void>,
) => (...args: unknown[]) => Promise<void>;

/** The commands that work on an ElevenLabs agent: connect, doctor, backfill. */
export function registerElevenLabsCommands(program: Command, io: CommandIo, withDeployment: WithDeployment): void {
  const say = (line = '') => void io.stdout.write(`${line}\n`);
  const agentOption = () =>
    new Option('--agent <id>', 'the ElevenLabs agent id (agent_…)').makeOptionMandatory().argParser(agentId);

  program
    .command('connect')
    .description(
      'Make an ElevenLabs agent use this deployment: workspace secrets, initiation webhook, overrides, the search_memory tool, the post-call webhook (its secret stored in the deployment) and the prompt snippet.',
    )
    .addOption(agentOption())
    .option('--url <public-url>', 'with --local: the public URL ElevenLabs reaches the local stack at (a tunnel)')
    .option('--dry-run', 'print the changes as a diff of the agent settings, and change nothing')
    .option('--allow-private-url', 'accept a loopback, private or plain-http --url (tests, private networks)')
    .option(
      '--rotate-webhook-secret',
      'create a new post-call webhook and store its signing secret, even if one exists',
    )
    .addHelpText(
      'after',
      "\nThe ElevenLabs API key comes from ELEVENLABS_API_KEY (or the stack's ElevenLabs API key secret); the host from\nELEVENLABS_API_HOST (default https://api.elevenlabs.io). Running it again changes nothing.",
    )
    .hook('preAction', (command) => checkPublicUrl(command, true))
    .action(
      withDeployment(async (deployment, options) => {
        const { connectAgent } = loadConnect();
        const endpoints = endpointsForElevenLabs(deployment, options);
        const workspace = await openWorkspace(deployment, io);
        const report = await connectAgent(workspace, deployment, {
          agentId: String(options.agent),
          endpoints,
          dryRun: Boolean(options.dryRun),
          rotateWebhookSecret: Boolean(options.rotateWebhookSecret),
        });
        describeConnect(report, String(options.agent), deployment, options, say);
      }),
    );

  program
    .command('doctor')
    .description(
      'Check an ElevenLabs agent against this deployment: every way the pair is broken or unsafe, one line each with its fix.',
    )
    .addOption(agentOption())
    .option(
      '--url <public-url>',
      "with --local: its public URL (default: the one the agent's initiation webhook calls)",
    )
    .option('--allow-private-url', 'accept a loopback, private or plain-http --url (tests, private networks)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nReads only; exits 0 only when nothing is wrong.')
    .hook('preAction', (command) => checkPublicUrl(command, false))
    .action(
      withDeployment(async (deployment, options) => {
        const { diagnose } = loadDoctor();
        const agent = String(options.agent);
        const workspace = await openWorkspace(deployment, io);
        const url =
          typeof options.url === 'string' || deployment.name !== 'local'
            ? options.url
            : await publicUrlOfAgent(workspace, agent, deployment);
        const endpoints = endpointsForElevenLabs(deployment, { ...options, url });
        const connectCommand = `agentic-memory connect --agent ${agent} ${targetFlags(deployment, { ...options, url })}`;
        const report = await diagnose(workspace, deployment, { agentId: agent, endpoints, connectCommand });
        if (options.json) {
          say(JSON.stringify(report, null, 2));
        } else {
          say(`Agent "${report.agent.name}" (${report.agent.id}) and ${report.deployment}:`);
          for (const finding of report.findings) {
            say(
              finding.ok
                ? `  ✓ ${finding.check}: ${finding.detail}`
                : `  ✗ ${finding.severity}: ${finding.check}: ${finding.detail}. Fix: ${finding.fix}`,
            );
          }
          const problems = report.findings.filter((finding) => !finding.ok);
          const errors = problems.filter((finding) => finding.severity === 'error').length;
          say(
            report.ok
              ? 'Nothing is wrong.'
              : `${problems.length} problem(s): ${errors} error(s), ${problems.length - errors} warning(s).`,
          );
        }
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('backfill')
    .description(
      "Remember past callers: feed the agent's finished conversations from its ElevenLabs history into the post-call pipeline (archived as a webhook would be, then ingested). Idempotent and resumable.",
    )
    .addOption(agentOption())
    .option('--since <date>', 'only calls that started on or after this day (YYYY-MM-DD, UTC) or time (ISO 8601)')
    .option('--until <date>', 'only calls that started on or before this day (inclusive) or time')
    .option(
      '--checkpoint <file>',
      'where progress is kept to resume after an interruption (default: .agentic-memory-backfill/<deployment>-<agent>.json)',
    )
    .addHelpText(
      'after',
      '\nA conversation already archived or remembered is skipped: run it as often as you like, also while webhooks arrive.',
    )
    .action(
      withDeployment(async (deployment, options) => {
        const { backfill, backfillWindow } = loadBackfill();
        const agent = String(options.agent);
        const window = backfillWindow(options.since as string | undefined, options.until as string | undefined);
        const checkpointFile = path.resolve(
          io.cwd,
          typeof options.checkpoint === 'string'
            ? options.checkpoint
            : path.join('.agentic-memory-backfill', `${deployment.name}-${agent}.json`),
        );
        const interrupt = whileRunningCtrlCStops(io);
        const workspace = await openWorkspace(deployment, { ...io, signal: interrupt.signal });
        const bar = progressBar(io.stderr, 'Backfilling');
        const report = await backfill(workspace, deployment, {
          agentId: agent,
          ...window,
          checkpointFile,
          signal: interrupt.signal,
          onProgress: (done, total) => bar.update(done, total),
        }).finally(() => {
          bar.finish();
          interrupt.release();
        });
        // Locally, the ingestion this started finishes before the summary; on AWS the queue does it.
        await deployment.quiesce();
        describeBackfill(report, agent, deployment, say);
        return report.interrupted ? EXIT.failed : EXIT.ok;
      }),
    );
}

/**
 * The first Ctrl-C stops the command at its next safe point (its signal, with `io.signal`); the
 * listener is removed at once, so a second Ctrl-C ends the process as usual.
 */
function whileRunningCtrlCStops(io: CommandIo): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onInterrupt = () => {
    process.removeListener('SIGINT', onInterrupt);
    io.stderr.write('\nagentic-memory: stopping after the conversation in hand (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return {
    signal: io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal,
    release: () => void process.removeListener('SIGINT', onInterrupt),
  };
}

function describeBackfill(
  report: BackfillReport,
  agentId: string,
  deployment: Deployment,
  say: (line?: string) => void,
): void {
  const skipped = Object.values(report.skipped).reduce((sum, n) => sum + n, 0);
  say(`Backfill of agent ${agentId} into ${deployment.description}:`);
  say(`  conversations seen  ${report.seen}`);
  say(`  ingested            ${report.ingested}`);
  say(`  skipped             ${skipped}`);
  for (const [reason, count] of Object.entries(report.skipped).sort((a, b) => b[1] - a[1])) {
    say(`    ${String(count).padStart(5)}  ${reason}`);
  }
  if (report.interrupted) {
    say(`Interrupted: run the same command again to resume (progress is kept in ${report.checkpointFile}).`);
  } else if (report.ingested > 0 && deployment.name !== 'local') {
    say(`The ingest worker is turning them into memories: agentic-memory status --stack ${deployment.name}`);
  }
}

/**
 * The public URL of a local stack, as the agent calls it: its initiation webhook's URL without
 * the local route. Undefined when the agent calls no such URL (doctor then reports it).
 */
async function publicUrlOfAgent(
  workspace: ElevenLabsWorkspace,
  agentId: string,
  deployment: Deployment,
): Promise<string | undefined> {
  const { effectiveInitiationWebhook } = loadAgentView();
  const [agent, settings] = await Promise.all([workspace.getAgent(agentId), workspace.getWorkspaceSettings()]);
  const url = effectiveInitiationWebhook(agent, settings)?.webhook.url;
  const route = new URL(deployment.endpoints.clientData).pathname;
  return url?.endsWith(route) ? url.slice(0, -route.length) : undefined;
}

function targetFlags(deployment: Deployment, options: Record<string, unknown>): string {
  if (deployment.name !== 'local') {
    return `--stack ${deployment.name}${options.region ? ` --region ${String(options.region)}` : ''}`;
  }
  const home = options.home ? ` --home ${String(options.home)}` : '';
  const url = typeof options.url === 'string' ? options.url : 'PUBLIC_URL';
  return `--local${home} --url ${url}${options.allowPrivateUrl ? ' --allow-private-url' : ''}`;
}

/**
 * Before the deployment is opened: with --local, the public URL ElevenLabs reaches it at,
 * checked (ElevenLabs cannot call a loopback or private address) and kept without a trailing '/'.
 */
async function checkPublicUrl(command: Command, required: boolean): Promise<void> {
  const options = command.optsWithGlobals<{
    local?: boolean;
    stack?: string;
    url?: string;
    allowPrivateUrl?: boolean;
  }>();
  if (options.url === undefined) {
    if (options.local && required) {
      throw usageError(
        '--local needs --url PUBLIC_URL: the address ElevenLabs reaches this machine at (e.g. a tunnel to the local stack)',
      );
    }
    return;
  }
  if (!options.local) throw usageError('--url is for --local: a stack has its own URLs');
  const { publicBaseUrl } = loadPublicUrl();
  command.setOptionValue('url', await publicBaseUrl(options.url, Boolean(options.allowPrivateUrl)));
}

/** The URLs ElevenLabs is to call: the stack's outputs, or the local stack's routes under its public URL. */
function endpointsForElevenLabs(deployment: Deployment, options: Record<string, unknown>): Endpoints {
  if (typeof options.url !== 'string') return deployment.endpoints;
  const under = (local: string) => `${String(options.url)}${new URL(local).pathname}`;
  return {
    clientData: under(deployment.endpoints.clientData),
    retrieve: under(deployment.endpoints.retrieve),
    postCall: under(deployment.endpoints.postCall),
  };
}

async function openWorkspace(deployment: Deployment, io: CommandIo): Promise<ElevenLabsWorkspace> {
  const { openElevenLabsApi } = loadApi();
  const { ElevenLabsWorkspace } = loadWorkspace();
  const api = await openElevenLabsApi(deployment, io.env, {
    signal: io.signal,
    onPause: (pause: Pause) =>
      void io.stderr.write(
        `agentic-memory: ElevenLabs ${pause.request}: ${pause.reason}; trying again in ${Math.ceil(pause.waitMs / 1000)} s\n`,
      ),
  });
  return new ElevenLabsWorkspace(api);
}

function describeConnect(
  report: ConnectReport,
  agentId: string,
  deployment: Deployment,
  options: Record<string, unknown>,
  say: (line?: string) => void,
): void {
  const dryRun = Boolean(options.dryRun);
  say(
    `Agent "${report.agentName}" (${agentId}) and ${deployment.description}${dryRun ? ' — dry run, nothing was changed' : ''}`,
  );
  const changed = report.changes.length > 0 || report.agentDiff.length > 0;
  if (report.changes.length > 0) {
    say(dryRun ? 'Would do:' : 'Done:');
    for (const line of report.changes) say(`  ${line}`);
  }
  if (report.agentDiff.length > 0) {
    say(dryRun ? 'Would change these agent settings:' : 'Changed these agent settings:');
    for (const line of report.agentDiff) say(`  ${line}`);
  }
  if (report.refreshed.length > 0) {
    say(`${dryRun ? 'Would write' : 'Wrote'} again (values ElevenLabs never shows, so they are always written):`);
    for (const line of report.refreshed) say(`  ${line}`);
  }
  if (!changed) say('The agent already uses this deployment: nothing to change.');
  for (const note of report.notes) say(`Note: ${note}`);
  if (!dryRun) say(`Check it: agentic-memory doctor --agent ${agentId} ${targetFlags(deployment, options)}`);
}

function agentId(raw: string): string {
  const value = raw.trim();
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value))
    throw new InvalidArgumentError('It must be an ElevenLabs agent id (agent_…).');
  return value;
}

/*
 * The ElevenLabs client is loaded for these commands only: it takes a second to load, and the
 * other commands do not need it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
function loadConnect(): typeof import('../connect') {
  return require('../connect') as typeof import('../connect');
}
function loadApi(): typeof import('../elevenlabs/elevenlabs-api') {
  return require('../elevenlabs/elevenlabs-api') as typeof import('../elevenlabs/elevenlabs-api');
}
function loadWorkspace(): typeof import('../elevenlabs/elevenlabs-workspace') {
  return require('../elevenlabs/elevenlabs-workspace') as typeof import('../elevenlabs/elevenlabs-workspace');
}
function loadBackfill(): typeof import('../backfill') {
  return require('../backfill') as typeof import('../backfill');
}
function loadDoctor(): typeof import('../doctor') {
  return require('../doctor') as typeof import('../doctor');
}
function loadAgentView(): typeof import('../elevenlabs/agent-view') {
  return require('../elevenlabs/agent-view') as typeof import('../elevenlabs/agent-view');
}
function loadPublicUrl(): typeof import('../elevenlabs/public-url') {
  return require('../elevenlabs/public-url') as typeof import('../elevenlabs/public-url');
}
/* eslint-enable @typescript-eslint/no-require-imports */
