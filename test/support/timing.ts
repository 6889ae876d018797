/**
 * How late a timer may fire on a shared 2-core machine running two jest workers (and, in the
 * reliability tests, a child stack): deadline tests allow this much on top of the deadline. It is
 * still far below what a missing deadline costs (the stores in these tests hang, or answer after
 * 2 s), so the tests keep failing when a deadline is not honoured.
 */
export const SCHEDULING_SLACK_MS = 200;
