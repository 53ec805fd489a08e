/** One measured figure, as `npm run bench` prints it and writes it to bench/results.json. */
export interface BenchResult {
  /** What was measured, e.g. "validate 1,000 projects: wall time". */
  name: string;
  value: number;
  /** Unit of `value`: ms, MB, ops/s … */
  unit: string;
  /** The target as text, e.g. "< 1000 ms". */
  target: string;
  /** Whether `value` meets the target. */
  ok: boolean;
  /** What this run's figure is of, when the name is a class of cases (e.g. which file was slowest). */
  detail?: string;
}
