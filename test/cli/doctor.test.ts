/**
 * `agentic-memory doctor`: an agent that `connect` configured passes; each way of breaking it
 * afterwards (as an operator clicking in the dashboard, or ElevenLabs itself, would) is reported
 * on one line with its fix, and the exit code says so.
 */
import type { DoctorReport } from '../../cli/doctor';
import { ElevenLabsApiLoopback } from '../support/elevenlabs-api-server';
import { startLocalTarget, type LocalTarget } from './connect-support';

let server: ElevenLabsApiLoopback;
let target: LocalTarget;
let agentId: string;

beforeEach(async () => {
  server = await ElevenLabsApiLoopback.start();
  target = await startLocalTarget(server);
  agentId = server.addAgent({ prompt: 'You are the front desk of a small clinic.' });
  expect((await target.run(['connect', '--agent', agentId])).code).toBe(0);
  await target.restart();
});
afterEach(async () => {
  expect(server.errors).toEqual([]);
  await target.close();
  await server.close();
});

const doctor = (...more: string[]) => target.run(['doctor', '--agent', agentId, ...more]);

function agent() {
  return server.agent(agentId);
}
function settings() {
  return agent().platform_settings!;
}
function searchTool() {
  const id = agent().conversation_config.agent!.prompt!.tool_ids![0];
  return server.tools.get(id)!.tool_config as unknown as {
    api_schema: {
      request_headers: Record<string, unknown>;
      request_body_schema: { properties: Record<string, unknown> };
    };
  };
}
function postCallWebhook() {
  return server.webhooks.get(settings().workspace_overrides!.webhooks!.post_call_webhook_id!)!;
}

it('passes on an agent connect configured: every check, one line each, exit 0', async () => {
  const writes = server.writes().length;

  const run = await doctor();

  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  for (const check of [
    'initiation webhook',
    'initiation data',
    'overrides',
    'prompt variables',
    'memory in the prompt',
    'tool search_memory',
    'post-call webhook',
    'endpoint pre-call',
    'endpoint search',
    'endpoint post-call',
  ]) {
    expect(run.stdout).toMatch(new RegExp(`^  ✓ ${check}`, 'm'));
  }
  expect(run.stdout).not.toContain('✗');
  expect(run.stdout).toMatch(/Nothing is wrong\.\n$/);
  // Doctor only reads.
  expect(server.writes()).toHaveLength(writes);
});

it('--json: the same report for scripts', async () => {
  searchTool().api_schema.request_body_schema.properties.user_id = { type: 'string', description: 'the caller' };

  const run = await doctor('--json');

  expect(run.code).toBe(1);
  const report = JSON.parse(run.stdout) as DoctorReport;
  expect(report).toMatchObject({ agent: { id: agentId, name: 'Front desk' }, ok: false });
  expect(report.findings.filter((f) => !f.ok)).toEqual([
    {
      check: expect.stringMatching(/^tool search_memory \(tool_/),
      ok: false,
      severity: 'error',
      detail: expect.stringContaining(
        "lets the LLM fill in user_id: a caller can talk the agent into reading another caller's memories",
      ),
      fix: expect.stringContaining(`agentic-memory connect --agent ${agentId} --local`),
    },
  ]);
});

interface Breakage {
  /** What the operator (or ElevenLabs) did. */
  name: string;
  breakIt: () => void | Promise<void>;
  /** The problem line doctor prints. */
  reported: RegExp;
  severity: 'error' | 'warning';
  /** Running connect again repairs it. */
  repairedByConnect: boolean;
}

const breakages: Breakage[] = [
  {
    name: 'initiation webhook removed',
    breakIt: () => void delete settings().workspace_overrides!.conversation_initiation_client_data_webhook,
    reported: /initiation webhook: none is set \(neither on the agent nor for the workspace\)/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'initiation webhook pointing elsewhere',
    breakIt: () => {
      settings().workspace_overrides!.conversation_initiation_client_data_webhook!.url = 'https://old.example/pre-call';
    },
    reported: /initiation webhook: the agent's calls https:\/\/old\.example\/pre-call, not this deployment's http/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'initiation webhook without its header',
    breakIt: () => {
      settings().workspace_overrides!.conversation_initiation_client_data_webhook!.request_headers = {};
    },
    reported: /initiation webhook: the agent's sends no X-Workspace-Key header: the pre-call refuses it \(401\)/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'the workspace secret of the header deleted',
    breakIt: () => {
      const header = settings().workspace_overrides!.conversation_initiation_client_data_webhook!.request_headers[
        'X-Workspace-Key'
      ] as { secret_id: string };
      server.secrets.delete(header.secret_id);
    },
    reported:
      /initiation webhook: the agent's sends X-Workspace-Key from workspace secret secret_\w+, which does not exist/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'fetching initiation data switched off',
    breakIt: () => {
      settings().overrides!.enable_conversation_initiation_client_data_from_webhook = false;
    },
    reported: /initiation data: the agent does not fetch initiation data from the webhook/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'first-message override switched off',
    breakIt: () => {
      settings().overrides!.conversation_config_override!.agent!.first_message = false;
    },
    reported:
      /overrides: the pre-call sends a first message, but the agent does not allow that override: ElevenLabs refuses the call/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'prompt override switched on though never sent',
    breakIt: () => {
      settings().overrides!.conversation_config_override!.agent!.prompt = { prompt: true };
    },
    reported: /overrides: the prompt override is allowed but the deployment never sends one/,
    severity: 'warning',
    repairedByConnect: true,
  },
  {
    name: 'the prompt names a variable the pre-call does not send',
    breakIt: () => {
      agent().conversation_config.agent!.prompt!.prompt += '\nThe balance is {{account_balance}}.';
    },
    reported:
      /prompt variables: the prompt or first message uses \{\{account_balance\}\}, which the pre-call does not send/,
    severity: 'error',
    repairedByConnect: false,
  },
  {
    name: 'search tool user_id filled in by the LLM',
    breakIt: () => {
      searchTool().api_schema.request_body_schema.properties.user_id = {
        type: 'string',
        description: 'the phone number',
      };
    },
    reported:
      /tool search_memory \(tool_\w+\): lets the LLM fill in user_id: a caller can talk the agent into reading another caller's memories/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'search tool without the memory token',
    breakIt: () => void delete searchTool().api_schema.request_headers['X-Memory-Token'],
    reported: /tool search_memory \(tool_\w+\): sends no X-Memory-Token: searches fall back to the static key/,
    severity: 'warning',
    repairedByConnect: true,
  },
  {
    name: 'search tool detached',
    breakIt: () => {
      agent().conversation_config.agent!.prompt!.tool_ids = [];
    },
    reported: /search tool: the agent has no search_memory tool/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'post-call webhook unsubscribed',
    breakIt: () => void delete settings().workspace_overrides!.webhooks,
    reported:
      /post-call webhook: none is set \(neither on the agent nor for the workspace\): calls are never remembered/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'post-call webhook pointing elsewhere',
    breakIt: () => {
      postCallWebhook().webhook.webhook_url = 'https://old.example/post-call';
    },
    reported:
      /post-call webhook "AgenticMemory post-call \(local\)": delivers to https:\/\/old\.example\/post-call, not this deployment's/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'post-call webhook disabled by ElevenLabs after failures',
    breakIt: () => {
      postCallWebhook().webhook.is_auto_disabled = true;
    },
    reported:
      /post-call webhook "AgenticMemory post-call \(local\)": ElevenLabs disabled it after repeated failed deliveries/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'transcripts no longer subscribed',
    breakIt: () => {
      settings().workspace_overrides!.webhooks!.events = ['call_initiation_failure'];
    },
    reported: /post-call webhook "AgenticMemory post-call \(local\)": the agent's subscription lacks transcripts/,
    severity: 'error',
    repairedByConnect: true,
  },
  {
    name: 'deliveries refused because the deployment holds another HMAC key',
    breakIt: async () => {
      postCallWebhook().secret = 'wsec_rotated_in_the_dashboard';
      const call = await server.placeInboundCall(agentId, '+16125550142');
      expect(await server.endCall(call, { said: ['Hello there.'], summary: 'A greeting.' })).toBe(401);
    },
    reported:
      /was refused \(401\): the deployment's HMAC key is not this webhook's signing secret\. Fix: restart the local stack .* --rotate-webhook-secret/,
    severity: 'error',
    repairedByConnect: false,
  },
  {
    name: 'the stack still running with the HMAC key it had before connect stored a new one',
    breakIt: async () => {
      expect((await target.run(['connect', '--agent', agentId, '--rotate-webhook-secret'])).code).toBe(0);
    },
    reported:
      /endpoint post-call: http:\/\/127\.0\.0\.1:\d+\/post-call refuses the deployment's own key \(401\).*Fix: restart the local stack \(npm start\)/,
    severity: 'error',
    repairedByConnect: false,
  },
  {
    name: 'the deployment not answering',
    breakIt: () => target.test.stack.stop(),
    reported:
      /endpoint pre-call: http:\/\/127\.0\.0\.1:\d+\/client-data did not answer: ECONNREFUSED\. Fix: start the local stack/,
    severity: 'error',
    repairedByConnect: false,
  },
];

describe.each(breakages)('$name', ({ breakIt, reported, severity, repairedByConnect }) => {
  it(`is reported as ${severity === 'error' ? 'an error' : 'a warning'} with its fix${repairedByConnect ? ', and connect repairs it' : ''}`, async () => {
    await breakIt();

    const run = await doctor();

    expect(run.code).toBe(1);
    const line = run.stdout.split('\n').find((l) => reported.test(l));
    expect(line).toBeDefined();
    expect(line).toMatch(new RegExp(`^  ✗ ${severity}: .*\\. Fix: \\S`));
    expect(run.stdout).toMatch(/\d+ problem\(s\): \d+ error\(s\), \d+ warning\(s\)\.\n$/);

    if (!repairedByConnect) return;
    const repair = await target.run(['connect', '--agent', agentId]);
    expect(repair.code).toBe(0);
    // A new webhook means a new signing secret in keys.json, which the running stack reads at its start.
    if (repair.stdout.includes('restart the local stack')) await target.restart();
    const after = await doctor();
    expect(after.stdout).not.toContain('✗');
    expect(after.code).toBe(0);
  });
});
