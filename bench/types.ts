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
}
