/** The benchmark's table: the figures, each with what it is now, its goal, and whether it is met. */

export interface Row {
  figure: string;
  now: string;
  goal: string;
  /** null when there is no goal to meet. */
  met: boolean | null;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| figure | now | goal | met? |', '|---|---|---|---|'];
  for (const row of rows) {
    const met = row.met === null ? '-' : row.met ? 'yes' : 'no';
    lines.push(`| ${cell(row.figure)} | ${cell(row.now)} | ${cell(row.goal)} | ${met} |`);
  }
  return lines.join('\n');
}

export const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const ms = (value: number): string =>
  value >= 1000
    ? `${(value / 1000).toFixed(2)} s`
    : `${value >= 10 ? Math.round(value) : value.toFixed(1)} ms`;
export const times = (ratio: number): string => `${ratio.toFixed(2)}x`;

/** "a" when all equal, else "a-b". */
export function range(values: readonly number[], format: (v: number) => string): string {
  const lo = format(Math.min(...values));
  const hi = format(Math.max(...values));
  return lo === hi ? lo : `${lo}-${hi}`;
}
