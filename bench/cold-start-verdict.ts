import { median, percentile, round } from './stats';

/**
 * How a cold-start budget is judged on a machine shared with other work (bench/README.md).
 *
 * Every function's fresh process is started between two bare Node processes with the same
 * environment, in the same round (bare, f1, bare, f2, …, bare). The function's cost in a round is
 * its figure minus the quicker of the bare processes on either side of it: what a round's
 * slowdown adds to both cancels, and a neighbour that delayed one bare process alone does not
 * make the function look cheaper. Neighbours only ever add, so the rounds they disturbed least
 * are the truest: the budget is judged on the lowest quartile of the per-round differences, and
 * the median is reported beside it.
 *
 * The figure judged is CPU time, not wall time. Module initialisation is synchronous work on the
 * main thread, so in an undisturbed round the two agree; but wall time also counts waiting for a
 * core, and on a machine whose cores stay busy for the whole run no round is undisturbed — there
 * the lowest quartile of wall-time differences still grows with the load, while CPU time does not.
 */

/** The figure the budget is judged on. */
export const JUDGED_FIGURE: keyof StartupTimes = 'readyCpuMs';

/** The quantile the budget is judged on. */
export const JUDGED_PERCENTILE = 25;

/** Fewer rounds than this and the lowest quartile is one sample picked by luck. */
export const MIN_ROUNDS = 4;

/** One process's start-up: from process start to handler ready. */
export interface StartupTimes {
  /** Wall time, ms. */
  readyMs: number;
  /** CPU time of the process by then (every thread), ms. */
  readyCpuMs: number;
}

/** One round of one function: its process and the bare processes started just before and after it. */
export interface ColdStartRound {
  bareBefore: StartupTimes;
  function: StartupTimes;
  bareAfter: StartupTimes;
}

export interface ColdStartCost {
  rounds: number;
  /** The judged figure: lowest quartile of the per-round CPU-time differences, ms. */
  overBareMs: number;
  /** Their median, ms. */
  overBareMedianMs: number;
  /** The same two figures for wall time, ms. */
  wallOverBareMs: number;
  wallOverBareMedianMs: number;
  /** Medians of the raw wall times, for the report. */
  readyMs: number;
  bareReadyMs: number;
}

/** The function's cost in each round: its time minus the quicker bare process beside it. */
export function roundDifferences(rounds: readonly ColdStartRound[], figure: keyof StartupTimes): number[] {
  return rounds.map((r) => r.function[figure] - Math.min(r.bareBefore[figure], r.bareAfter[figure]));
}

export function coldStartCost(rounds: readonly ColdStartRound[]): ColdStartCost {
  if (rounds.length < MIN_ROUNDS)
    throw new Error(`a cold-start verdict needs at least ${MIN_ROUNDS} rounds, got ${rounds.length}`);
  for (const r of rounds) {
    for (const times of [r.bareBefore, r.function, r.bareAfter])
      if (!Number.isFinite(times.readyMs) || !Number.isFinite(times.readyCpuMs))
        throw new Error(`a cold-start round holds a time that is not a number: ${JSON.stringify(r)}`);
  }
  const judged = roundDifferences(rounds, JUDGED_FIGURE);
  const wall = roundDifferences(rounds, 'readyMs');
  return {
    rounds: rounds.length,
    overBareMs: round(percentile(judged, JUDGED_PERCENTILE)),
    overBareMedianMs: round(median(judged)),
    wallOverBareMs: round(percentile(wall, JUDGED_PERCENTILE)),
    wallOverBareMedianMs: round(median(wall)),
    readyMs: round(median(rounds.map((r) => r.function.readyMs))),
    bareReadyMs: round(median(rounds.flatMap((r) => [r.bareBefore.readyMs, r.bareAfter.readyMs]))),
  };
}
