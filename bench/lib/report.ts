import { cpus, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** One measured figure, beside its floor (the same work done by a bare baseline in the same run) when it has one. */
export interface Row {
  benchmark: string;
  figure: string;
  value: number | null;
  unit: string;
  floor?: number | null;
  /** value / floor, when the goal is stated as a ratio. */
  ratio?: number | null;
  goal: string;
  /** null: no goal on this figure, or it could not be measured. */
  met: boolean | null;
  note?: string;
}

export interface Machine {
  date: string;
  cores: number;
  ramGiB: number;
  cpu: string;
  node: string;
  kernel: string;
}

/** The machine the run is on: cores, RAM, CPU model (from /proc/cpuinfo), Node version. */
export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: keep what os.cpus() says.
  }
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu,
    node: process.version,
    kernel: release(),
  };
}

/** Formats a number for the table: thousands separated, sensible decimals. */
export function fmt(n: number | null | undefined, decimals?: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const d = decimals ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** The final table, as plain aligned text. */
export function table(rows: Row[]): string {
  const head = ['benchmark', 'figure', 'measured', 'floor', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [
    r.benchmark,
    r.figure,
    r.value === null ? 'not measured' : `${fmt(r.value)} ${r.unit}`,
    r.floor === undefined ? '' : r.floor === null ? '—' : `${fmt(r.floor)} ${r.unit}`,
    r.ratio === undefined ? '' : r.ratio === null ? '—' : `${fmt(r.ratio, 2)}×`,
    r.goal,
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Notes under the table, one per row that has one. */
export function notes(rows: Row[]): string {
  return rows
    .filter((r) => r.note)
    .map((r) => `- ${r.benchmark} / ${r.figure}: ${r.note}`)
    .join('\n');
}
