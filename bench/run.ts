// `npm run bench`: runs every bench/*.bench.js (compiled), merges their comparisons into
// bench/results/latest.json, and prints a table. Usage: npm run bench [-- <key substring>...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bench, Comparison } from './harness';

const root = path.resolve(__dirname, '..', '..');
const resultsFile = path.join(root, 'bench', 'results', 'latest.json');

function loadBenches(): Bench[] {
  const benches: Bench[] = [];
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, file)) as { bench?: Bench };
    if (mod.bench) benches.push(mod.bench);
  }
  return benches;
}

function printTable(comparison: Comparison): void {
  console.log(`\n${comparison.key}: ${comparison.description}`);
  const rows = comparison.measurements.map((m) => ({
    measurement: m.name,
    'per second': Math.round(m.perSecond).toLocaleString('en-US'),
    items: m.items,
    seconds: m.seconds.toFixed(2),
    'peak RSS MiB': m.peakRssMiB !== undefined ? m.peakRssMiB.toFixed(0) : '',
    'CPU s / 1M': m.cpuSecondsPerMillion !== undefined ? m.cpuSecondsPerMillion.toFixed(2) : '',
  }));
  console.table(rows);
  for (const [name, value] of Object.entries(comparison.ratios)) {
    const target = comparison.targets?.[name];
    const verdict =
      target === undefined ? '' : value >= target ? `  (target ≥ ${target}: met)` : `  (target ≥ ${target}: NOT met)`;
    console.log(`  ratio ${name} = ${value.toFixed(3)}${verdict}`);
  }
  if (comparison.cpu) {
    const c = comparison.cpu;
    console.log(
      `  CPU per million messages: raw ${c.rawSecondsPerMillion.toFixed(2)} s, engine ${c.engineSecondsPerMillion.toFixed(2)} s; engine/raw CPU ${c.engineOverRaw.toFixed(3)} (paired ${c.engineOverRawPaired.toFixed(3)})`,
    );
  }
  for (const note of comparison.notes ?? []) console.log(`  note: ${note}`);
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const benches = loadBenches().filter((b) => filters.length === 0 || filters.some((f) => b.key.includes(f)));
  if (benches.length === 0) throw new Error(`no benchmark matches ${filters.join(', ') || '(none compiled)'}`);
  const previous = fs.existsSync(resultsFile)
    ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { comparisons?: Record<string, Comparison> })
    : {};
  const comparisons: Record<string, Comparison> = { ...(previous.comparisons ?? {}) };
  let failed = false;
  for (const bench of benches) {
    try {
      const comparison = await bench.run();
      comparisons[comparison.key] = comparison;
      printTable(comparison);
    } catch (error) {
      failed = true;
      console.error(
        `bench ${bench.key} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const machine = {
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    cpus: (await import('node:os')).cpus().length,
  };
  fs.writeFileSync(
    resultsFile,
    JSON.stringify({ writtenAt: new Date().toISOString(), machine, comparisons }, null, 2) + '\n',
  );
  console.log(`\nwrote ${path.relative(root, resultsFile)}`);
  if (failed) process.exitCode = 1;
}

void main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
