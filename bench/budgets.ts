import type { MemoryBackendName, ServiceName } from '../lib/contract';
import type { FunctionBundle } from './bundles';
import { JUDGED_PERCENTILE, type ColdStartCost } from './cold-start-verdict';
import type { Distribution } from './stats';

/**
 * The issue's budgets (issue 6; issue 13 holds the AgentCore functions to the same ones, against
 * their own floors); the bench exits non-zero when one is missed.
 */
export const BUDGET = {
  /**
   * Module initialisation above a bare Node process, ms: judged on the lowest quartile of the
   * per-round differences in CPU time (bench/cold-start-verdict.ts).
   */
  coldStartOverBareMs: 80,
  /** client-data and retrieve: p50 above the floor's p50, ms. */
  warmP50OverFloorMs: 2,
  /** client-data and retrieve: p99 above the floor's p99, ms. */
  warmP99OverFloorMs: 10,
  /** post-call (35-minute call): p50 above one S3 put's p50, ms. */
  postCallP50OverPutMs: 5,
} as const;

export interface BudgetCheck {
  budget: string;
  limit: number;
  actual: number;
  passed: boolean;
}

export interface WarmFigures {
  scenario: string;
  service: ServiceName;
  /** The memory backend the function is bundled for; none for post-call. */
  backend?: MemoryBackendName;
  handler: Distribution;
  floor: Distribution;
}

const check = (budget: string, actual: number, limit: number): BudgetCheck => ({
  budget,
  limit: Math.round(limit * 100) / 100,
  actual: Math.round(actual * 100) / 100,
  passed: actual <= limit,
});

export function bundleChecks(bundles: FunctionBundle[]): BudgetCheck[] {
  return bundles.map((b) => ({
    budget: `${b.name}: ships no code it never runs${b.deadCode.length ? ` (found: ${b.deadCode.join(', ')})` : ''}`,
    limit: 0,
    actual: b.deadCode.length,
    passed: b.deadCode.length === 0,
  }));
}

export function coldStartChecks(costs: Array<{ name: string; cost: ColdStartCost }>): BudgetCheck[] {
  return costs.map(({ name, cost }) =>
    check(
      `${name}: cold start ≤ bare node + ${BUDGET.coldStartOverBareMs} ms (CPU time, p${JUDGED_PERCENTILE} of ${cost.rounds} rounds)`,
      cost.overBareMs,
      BUDGET.coldStartOverBareMs,
    ),
  );
}

export function warmChecks(figures: WarmFigures[]): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  for (const f of figures) {
    if (f.service === 'client-data' || f.service === 'retrieve') {
      checks.push(
        check(
          `${f.scenario}: p50 ≤ floor p50 + ${BUDGET.warmP50OverFloorMs} ms`,
          f.handler.p50,
          f.floor.p50 + BUDGET.warmP50OverFloorMs,
        ),
        check(
          `${f.scenario}: p99 ≤ floor p99 + ${BUDGET.warmP99OverFloorMs} ms`,
          f.handler.p99,
          f.floor.p99 + BUDGET.warmP99OverFloorMs,
        ),
      );
    } else if (f.service === 'post-call') {
      checks.push(
        check(
          `${f.scenario}: p50 ≤ one S3 put p50 + ${BUDGET.postCallP50OverPutMs} ms`,
          f.handler.p50,
          f.floor.p50 + BUDGET.postCallP50OverPutMs,
        ),
      );
    }
  }
  return checks;
}
