// Progress on stderr while the benchmark runs: which scenario, which run of how many, time spent.
// On a terminal one status line is redrawn every second; otherwise (CI logs, a pipe) a plain line
// is written each time the step changes, so logs stay readable.

const formatElapsed = (ms) => {
  const s = Math.floor(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export function createProgress(stream = process.stderr, now = Date.now) {
  const started = now();
  const tty = Boolean(stream.isTTY);
  let status = '';
  let stepStarted = started;
  let timer;
  const render = () => {
    const line = `[${formatElapsed(now() - started)}] ${status} (step ${formatElapsed(now() - stepStarted)})`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
  };
  if (tty) {
    timer = setInterval(render, 1000);
    timer.unref();
  }
  return {
    /** Sets what is running now, e.g. step('agent 5000 objects', 'first sync', 3, 5). */
    step(scenario, what, run, runs) {
      status = run ? `${scenario}: ${what}, run ${run}/${runs}` : `${scenario}: ${what}`;
      stepStarted = now();
      if (tty) render();
      else stream.write(`[${formatElapsed(now() - started)}] ${status}\n`);
    },
    /** A line that stays (a measured figure, a warning). */
    log(line) {
      if (tty) stream.write('\r\x1b[2K');
      stream.write(`${line}\n`);
      if (tty && status) render();
    },
    elapsedMs: () => now() - started,
    stop() {
      if (timer) clearInterval(timer);
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
