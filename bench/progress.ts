/**
 * What `npm run bench` prints while it runs (on stderr, so stdout stays the results table): a line as
 * each benchmark starts, with its number, what it runs and the time since the start, and one when it
 * ends with its median. The three `npm test` runs take minutes each, so while one runs a line every
 * HEARTBEAT_SECONDS says how many test files jest has finished. Before this the benchmark printed
 * nothing until the end (issue 23: "prints nothing for 15 minutes").
 */

export const HEARTBEAT_SECONDS = 30;

/** m:ss */
export function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * The test files jest has finished, from its default reporter's output so far (stderr): one
 * "PASS <file>" or "FAIL <file>" line per file, the same whether or not stderr is a terminal.
 */
export function finishedTestFiles(jestStderr: string): number {
  return (jestStderr.match(/^(PASS|FAIL) \S/gm) ?? []).length;
}

export class Progress {
  private index = 0;
  private readonly start: number;

  constructor(
    /** How many benchmarks this run has (so each line says how far along it is). */
    private readonly total: number,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly now: () => number = () => Date.now(),
  ) {
    this.start = now();
  }

  private prefix(): string {
    return `[bench ${this.index}/${this.total} ${clock((this.now() - this.start) / 1000)}]`;
  }

  /** A benchmark starts: `what` (e.g. "cdktf synth, 3 AZs") and how often it runs. */
  begin(what: string, runs: string): void {
    this.index++;
    this.write(`${this.prefix()} ${what}: ${runs}`);
  }

  /** A long run is still going: `detail` (e.g. "12 test files done"). */
  still(what: string, detail: string): void {
    this.write(`${this.prefix()}   ${what}: ${detail}`);
  }

  /** The benchmark ended: its median and how long it took in all. */
  end(what: string, median: string, tookSeconds: number): void {
    this.write(`${this.prefix()}   ${what}: median ${median} (${clock(tookSeconds)} in all)`);
  }
}
