import type { MemoryBackendName, ServiceName } from '../lib/contract';
import type { BudgetCheck, WarmFigures } from './budgets';
import type { FunctionBundle } from './bundles';
import { JUDGED_PERCENTILE, type ColdStartCost } from './cold-start-verdict';

/** What each function's floor is made of (see warm/floors.ts, warm/mem0-floor.ts, warm/agentcore-floor.ts). */
export const FLOOR_OF: Record<ServiceName, Partial<Record<MemoryBackendName | 'none', string>>> = {
  'client-data': {
    mem0: '3 Mem0 list calls side by side (mem0ai getAll, the handler’s page sizes), then 1 S3 put of the request+answer record',
    agentcore:
      '3 AgentCore reads side by side, every page of each (ListMemoryRecords of the summaries; ListMemoryRecords of the facts beside ListSessions, then ListEvents of the latest session; ListMemoryRecords of the profile), then 1 S3 put of the request+answer record',
  },
  retrieve: {
    mem0: '1 Mem0 search (mem0ai search, the handler’s filter and top_k)',
    agentcore: '1 RetrieveMemoryRecords (the caller’s namespace, topK = the handler’s limit)',
  },
  'post-call': { none: '1 S3 put of the raw body' },
  ingest: {
    mem0: 'S3 get, S3 put (per-caller copy), then per memory: DynamoDB put + Mem0 add + DynamoDB update, in turn',
    agentcore:
      'S3 get, S3 put (per-caller copy), then per memory: DynamoDB put + (ListMemoryRecords + BatchCreateMemoryRecords for a text | ListEvents + CreateEvent per part for the transcript) + DynamoDB update, in turn',
  },
};

export interface ColdStartFigure {
  /** The function's name (`client-data · agentcore`). */
  name: string;
  service: ServiceName;
  cost: ColdStartCost;
  /** Median first invocation, ms. */
  firstCallMs: number;
  /** Instructions above a bare process's (median of per-round differences), when counted. */
  instructionsOverBare?: number;
}

export interface Report {
  header: string;
  backends: MemoryBackendName[];
  bundleSource: string;
  bundles: FunctionBundle[];
  coldStart: ColdStartFigure[];
  coldStartRounds: number;
  /** Why instructions were not counted, when they were not. */
  instructionsNotCounted?: string;
  instructionRounds: number;
  warm: WarmFigures[];
  iterations: number;
  checks: BudgetCheck[];
}

const BACKEND_PEER: Record<MemoryBackendName, string> = {
  mem0: 'Mem0 routes',
  agentcore: 'AgentCore Memory data plane',
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(2)} ms`);
const millions = (value: number | undefined) => (value === undefined ? '—' : `${(value / 1e6).toFixed(1)} M`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join('  '),
    )
    .join('\n');
}

export function formatReport(report: Report): string {
  const verdict = (passed: boolean) => (passed ? 'ok' : 'MISSED');
  const sections = [
    report.header,
    '',
    `Bundles (${report.bundleSource}; minified)`,
    table([
      ['function', 'index.js', 'source map', 'largest parts', 'dead code'],
      ...report.bundles.map((b) => [
        b.name,
        kb(b.bytes),
        kb(b.sourceMapBytes),
        b.packages
          .slice(0, 3)
          .map((p) => `${p.name} ${kb(p.bytes)}`)
          .join(', '),
        b.deadCode.length ? b.deadCode.join(', ') : 'none',
      ]),
    ]),
    '',
    `Cold start (fresh node process, construct’s environment; ${report.coldStartRounds} rounds, each function's process between two bare ones)`,
    table([
      [
        'function',
        `CPU over bare p${JUDGED_PERCENTILE} (judged)`,
        'CPU over bare median',
        `wall over bare p${JUDGED_PERCENTILE}`,
        'wall median',
        'ready (median)',
        'bare (median)',
        'first invocation',
        'instructions over bare',
      ],
      ...report.coldStart.map((c) => [
        c.name,
        ms(c.cost.overBareMs),
        ms(c.cost.overBareMedianMs),
        ms(c.cost.wallOverBareMs),
        ms(c.cost.wallOverBareMedianMs),
        ms(c.cost.readyMs),
        ms(c.cost.bareReadyMs),
        ms(c.firstCallMs),
        millions(c.instructionsOverBare),
      ]),
    ]),
    'over bare: process start to handler ready, minus the quicker bare process beside it, per round (bench/README.md).',
    report.instructionsNotCounted
      ? `Instructions not counted: ${report.instructionsNotCounted}.`
      : `Instructions: valgrind callgrind, V8 on one thread with fixed seeds, ${report.instructionRounds} round(s).`,
    '',
    `Warm latency (${report.iterations} invocations each, loopback ${report.backends.map((b) => BACKEND_PEER[b]).join(' + ')} + s3rver + dynalite)`,
    table([
      ['scenario', 'handler p50', 'handler p99', 'floor p50', 'floor p99', '÷ floor p50', '÷ floor p99'],
      ...report.warm.map((w) => [
        w.scenario,
        ms(w.handler.p50),
        ms(w.handler.p99),
        ms(w.floor.p50),
        ms(w.floor.p99),
        (w.handler.p50 / w.floor.p50).toFixed(2),
        (w.handler.p99 / w.floor.p99).toFixed(2),
      ]),
    ]),
    '',
    'Floors (the remote calls a function cannot avoid, made the same way with the same clients):',
    ...Object.entries(FLOOR_OF).flatMap(([service, floors]) =>
      Object.entries(floors)
        .filter(([backend]) => backend === 'none' || report.backends.includes(backend as MemoryBackendName))
        .map(([backend, floor]) => `  ${backend === 'none' ? service : `${service} · ${backend}`}: ${floor}`),
    ),
    '',
    'Budgets',
    table([
      ['budget', 'actual', 'limit', ''],
      ...report.checks.map((c) => [c.budget, String(c.actual), String(c.limit), verdict(c.passed)]),
    ]),
    '',
    report.checks.every((c) => c.passed)
      ? 'All budgets met.'
      : `${report.checks.filter((c) => !c.passed).length} budget(s) missed.`,
  ];
  return sections.join('\n');
}
