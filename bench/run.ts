/**
 * `npm run bench`: runs every bench/*.bench.ts (sorted by name; each exports
 * `run(): Promise<BenchResult[]>`), prints a table, and writes all figures to
 * bench/results.json so runs can be compared. A missed target is marked, not
 * fatal: the exit code is 0 unless a benchmark itself fails to run.
 * `npm run bench -- <text>` runs only the files whose name contains <text>
 * and replaces only their figures in bench/results.json, keeping the others.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

async function main(): Promise<number> {
  const only = process.argv[2];
  const files = (await readdir(here))
    .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
    .sort();
  const results: BenchResult[] = [];
  let failed = 0;
  for (const file of files) {
    process.stderr.write(`bench: ${file} …\n`);
    try {
      const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
      results.push(...(await mod.run()));
    } catch (error) {
      failed += 1;
      process.stderr.write(
        `bench: ${file} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
    }
  }
  process.stdout.write(table(results));
  const out = only ? merge(await previous(join(here, 'results.json')), results) : results;
  await writeFile(join(here, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${results.length} of ${out.length} figures to bench/results.json\n`);
  return failed > 0 ? 1 : 0;
}

async function previous(path: string): Promise<BenchResult[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    return Array.isArray(parsed) ? (parsed as BenchResult[]) : [];
  } catch {
    return [];
  }
}

/** Earlier figures with this run's figures put in place of those of the same name (new ones appended). */
export function merge(earlier: readonly BenchResult[], fresh: readonly BenchResult[]): BenchResult[] {
  const byName = new Map(fresh.map((r) => [r.name, r]));
  const kept = earlier.map((r) => byName.get(r.name) ?? r);
  const known = new Set(earlier.map((r) => r.name));
  return [...kept, ...fresh.filter((r) => !known.has(r.name))];
}

/** A plain-text table: name, value, unit, target, and ok or MISSED. */
export function table(results: readonly BenchResult[]): string {
  const rows = [
    ['benchmark', 'value', 'unit', 'target', ''],
    ...results.map((r) => [
      r.detail ? `${r.name} (${r.detail})` : r.name,
      formatValue(r.value),
      r.unit,
      r.target,
      r.ok ? 'ok' : 'MISSED',
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, col) => (col === 1 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  return (
    [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') +
    '\n'
  );
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
