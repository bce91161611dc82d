// Where in a polling cycle a bench push lands (the polling rows of the latency and flux scenarios).

/**
 * Milliseconds to wait before run `i` (1-based) of `runs` pushes its commit: a random point in the
 * run's own 1/runs of the interval (stratified sampling). Each run starts right after the previous
 * one's change was applied, that is just after a poll, so the wait sets where in the cycle the push
 * lands, and the runs together cover the whole cycle. A purely random wait left a median of three
 * runs to luck: one run of the flux scenario had Ferry's three pushes land late in the cycle
 * (8.8-9.0 s) and Flux's early, against a cycle both sides share.
 */
export function pollPhaseWaitMs(i, runs, intervalSeconds) {
  return ((i - 1 + Math.random()) / runs) * intervalSeconds * 1000;
}
