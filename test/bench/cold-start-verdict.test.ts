import { BUDGET, coldStartChecks } from '../../bench/budgets';
import {
  JUDGED_PERCENTILE,
  coldStartCost,
  roundDifferences,
  type ColdStartRound,
  type StartupTimes,
} from '../../bench/cold-start-verdict';
import { median, percentile } from '../../bench/stats';

/**
 * The cold-start verdict on synthetic rounds from a model of a shared machine: every process
 * does a fixed amount of work (a bare Node process 20 ms of CPU, a function that plus its own
 * cost); neighbours slow whole rounds (both processes stretched alike), add waits for a core,
 * and now and then hit one process alone.
 */

const BARE_CPU_MS = 20;
const QUIET_COST_MS = 65;
const REGRESSED_COST_MS = 95;
const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);
const ROUNDS = 20;

type Machine =
  /** Nobody else on it. */
  | 'quiet'
  /** Neighbours come and go: about a third of the rounds undisturbed, the rest 1.3–2.2× slower. */
  | 'loaded'
  /** Every core busy for the whole run: every round 1.6–2.6× slower. */
  | 'saturated';

/** mulberry32: a small seeded generator, so every run of the test sees the same rounds. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Disturbance {
  /** Wall time stretch of the round (waiting for a core). */
  slowdown: number;
  /** CPU time stretch: a busy sibling core and colder caches make the same work take a little longer. */
  cpuStretch: number;
}

function simulateRounds(
  machine: Machine,
  functionCostMs: number,
  seed: number,
  options: { bareBeforeHitEveryRound?: boolean } = {},
): ColdStartRound[] {
  const next = random(seed);
  const between = (low: number, high: number) => low + (high - low) * next();
  const roundDisturbance = (): Disturbance => {
    if (machine === 'quiet' || (machine === 'loaded' && next() < 0.35)) return { slowdown: 1, cpuStretch: 1 };
    const [low, high] = machine === 'loaded' ? [1.3, 2.2] : [1.6, 2.6];
    return { slowdown: between(low, high), cpuStretch: between(1, 1.08) };
  };
  /** A process's start-up; `hit`: something slowed this process alone (a burst next to it, its pages evicted). */
  const startup = (cpuWorkMs: number, round: Disturbance, hit: 'no' | 'yes' | 'hard'): StartupTimes => {
    const work = cpuWorkMs + between(-1, 1);
    let readyCpuMs = work * round.cpuStretch;
    let readyMs = readyCpuMs * round.slowdown + between(0, 10) * (round.slowdown - 1);
    if (hit !== 'no') {
      readyCpuMs *= hit === 'hard' ? between(1.8, 2.2) : between(1.1, 1.4);
      readyMs += between(15, 60);
    }
    return { readyMs, readyCpuMs };
  };
  const hitAlone = () => (machine !== 'quiet' && next() < 0.15 ? 'yes' : 'no');
  return Array.from({ length: ROUNDS }, () => {
    const round = roundDisturbance();
    return {
      bareBefore: startup(BARE_CPU_MS, round, options.bareBeforeHitEveryRound ? 'hard' : hitAlone()),
      function: startup(BARE_CPU_MS + functionCostMs, round, hitAlone()),
      bareAfter: startup(BARE_CPU_MS, round, hitAlone()),
    };
  });
}

const verdict = (rounds: ColdStartRound[]) =>
  coldStartChecks([{ name: 'ingest · mem0', cost: coldStartCost(rounds) }])[0].passed;

/** What the bench judged before: the median start-up minus the median bare start-up, in wall time. */
const mediansApart = (rounds: ColdStartRound[]) =>
  median(rounds.map((r) => r.function.readyMs)) -
  median(rounds.flatMap((r) => [r.bareBefore.readyMs, r.bareAfter.readyMs]));

test('on a quiet machine the judged figure is the function’s own cost, and wall and CPU time agree', () => {
  for (const seed of SEEDS) {
    const cost = coldStartCost(simulateRounds('quiet', QUIET_COST_MS, seed));
    expect(Math.abs(cost.overBareMs - QUIET_COST_MS)).toBeLessThan(3);
    expect(Math.abs(cost.wallOverBareMs - cost.overBareMs)).toBeLessThan(3);
    expect(verdict(simulateRounds('quiet', QUIET_COST_MS, seed))).toBe(true);
  }
});

test('a machine slowed by neighbours (function and bare processes inflated alike) does not flip the verdict', () => {
  let missedOnMedians = 0;
  for (const seed of SEEDS) {
    const rounds = simulateRounds('loaded', QUIET_COST_MS, seed);
    if (mediansApart(rounds) > BUDGET.coldStartOverBareMs) missedOnMedians++;
    const cost = coldStartCost(rounds);
    expect(cost.overBareMs).toBeLessThanOrEqual(BUDGET.coldStartOverBareMs);
    expect(cost.overBareMs - coldStartCost(simulateRounds('quiet', QUIET_COST_MS, seed)).overBareMs).toBeLessThan(6);
    expect(verdict(rounds)).toBe(true);
  }
  // The model reproduces the complaint: judged on medians of wall time, the same code mostly misses the budget.
  expect(missedOnMedians).toBeGreaterThanOrEqual(SEEDS.length * 0.8);
});

test('when every core stays busy the lowest quartile of wall time grows with the load, CPU time does not', () => {
  for (const seed of SEEDS) {
    const rounds = simulateRounds('saturated', QUIET_COST_MS, seed);
    const cost = coldStartCost(rounds);
    expect(cost.wallOverBareMs).toBeGreaterThan(BUDGET.coldStartOverBareMs);
    expect(cost.overBareMs).toBeLessThanOrEqual(BUDGET.coldStartOverBareMs);
    expect(verdict(rounds)).toBe(true);
  }
});

test.each<Machine>(['quiet', 'loaded', 'saturated'])(
  'a real regression of the function (30 ms more work) misses the budget on a %s machine',
  (machine) => {
    for (const seed of SEEDS) {
      const before = coldStartCost(simulateRounds(machine, QUIET_COST_MS, seed));
      const after = coldStartCost(simulateRounds(machine, REGRESSED_COST_MS, seed));
      expect(after.overBareMs - before.overBareMs).toBeGreaterThan(25);
      expect(after.overBareMs).toBeGreaterThan(BUDGET.coldStartOverBareMs);
      expect(verdict(simulateRounds(machine, REGRESSED_COST_MS, seed))).toBe(false);
    }
  },
);

test('a neighbour that slows a bare process alone does not make a regressed function look cheaper', () => {
  for (const seed of SEEDS) {
    const rounds = simulateRounds('loaded', REGRESSED_COST_MS, seed, { bareBeforeHitEveryRound: true });
    // Compared with the bare process before it only, it would pass.
    const againstBareBefore = rounds.map((r) => r.function.readyCpuMs - r.bareBefore.readyCpuMs);
    expect(percentile(againstBareBefore, JUDGED_PERCENTILE)).toBeLessThanOrEqual(BUDGET.coldStartOverBareMs);
    expect(verdict(rounds)).toBe(false);
  }
});

test('each round’s difference is taken against the quicker bare process of that same round', () => {
  const times = (readyMs: number, readyCpuMs: number): StartupTimes => ({ readyMs, readyCpuMs });
  const rounds: ColdStartRound[] = [
    { bareBefore: times(20, 18), function: times(90, 70), bareAfter: times(30, 19) },
    { bareBefore: times(50, 25), function: times(150, 80), bareAfter: times(40, 22) },
  ];
  expect(roundDifferences(rounds, 'readyMs')).toEqual([70, 110]);
  expect(roundDifferences(rounds, 'readyCpuMs')).toEqual([52, 58]);
});

test('the budget is checked against the lowest quartile; the median is reported, not judged', () => {
  const times = (readyCpuMs: number): StartupTimes => ({ readyMs: readyCpuMs, readyCpuMs });
  // Per-round differences 60, 62, 64, 90, 95, 100, 105, 110: lowest quartile 62, median 90.
  const rounds = [60, 62, 64, 90, 95, 100, 105, 110].map((difference) => ({
    bareBefore: times(20),
    function: times(20 + difference),
    bareAfter: times(21),
  }));
  const cost = coldStartCost(rounds);
  expect(cost).toMatchObject({ rounds: 8, overBareMs: 62, overBareMedianMs: 90 });
  const [check] = coldStartChecks([{ name: 'retrieve · agentcore', cost }]);
  expect(check).toMatchObject({ actual: 62, limit: BUDGET.coldStartOverBareMs, passed: true });
  expect(check.budget).toMatch(/^retrieve · agentcore: cold start ≤ bare node \+ 80 ms \(CPU time, p25 of 8 rounds\)$/);
  expect(coldStartChecks([{ name: 'retrieve · agentcore', cost: { ...cost, overBareMs: 80.01 } }])[0].passed).toBe(
    false,
  );
});

test('too few rounds, or a time that is not a number, is refused rather than judged', () => {
  const rounds = simulateRounds('quiet', QUIET_COST_MS, 1);
  expect(() => coldStartCost(rounds.slice(0, 3))).toThrow(/at least 4 rounds, got 3/);
  const broken = [...rounds];
  broken[2] = { ...broken[2], function: { readyMs: Number.NaN, readyCpuMs: 70 } };
  expect(() => coldStartCost(broken)).toThrow(/not a number/);
});
