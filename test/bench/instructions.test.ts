import { callgrindTotal, countStartupInstructions, instructionsOverBare } from '../../bench/instructions';

/** Counting start-up instructions: reading callgrind's output, and comparing round by round. */

test('the event total is read from a callgrind output file’s totals line, or its summary line', () => {
  const header =
    'version: 1\ncreator: callgrind-3.19.0\npid: 4242\ncmd:  node -e ...\npart: 1\n\npositions: line\nevents: Ir\n';
  expect(callgrindTotal(`${header}summary: 85324537\n\nfl=(1) ???\nfn=(1) 0x0000\n0 12\n\ntotals: 85324537\n`)).toBe(
    85324537,
  );
  expect(callgrindTotal(`${header}summary: 390105460\n`)).toBe(390105460);
  expect(() => callgrindTotal(header)).toThrow(/without a totals or summary line/);
});

test('a function’s instructions above bare Node: the median of each round’s difference', () => {
  const counts = {
    bare: [85e6, 90e6, 84e6],
    functions: new Map([['ingest', [390e6, 396e6, 395e6]]]),
  };
  // Per round: 305e6, 306e6, 311e6.
  expect(instructionsOverBare(counts, 'ingest')).toBe(306e6);
  expect(() => instructionsOverBare(counts, 'retrieve')).toThrow(/no instruction count for retrieve/);
  expect(() =>
    instructionsOverBare({ bare: counts.bare, functions: new Map([['ingest', [390e6]]]) }, 'ingest'),
  ).toThrow(/in every round/);
});

test('no rounds asked for: nothing is run and the report says why', async () => {
  await expect(countStartupInstructions([], {}, 0, '/nonexistent')).resolves.toEqual({
    measured: false,
    reason: 'not asked for (--instruction-rounds 0)',
  });
});
