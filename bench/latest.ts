/**
 * bench/results/latest.json, written as the bench goes: each section's figures are merged in when the
 * section ends, so a run stopped half-way keeps what it measured. A section this run does not measure
 * keeps the figures of the run that last did; each section names its run (command, start, load, quick).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { round } from './stats';

export interface SectionRun {
  command: string;
  quick: boolean;
  startedAt: string;
  /** When the section ended, and how long it took. */
  endedAt: string;
  seconds: number;
  loadAverageAtEnd: number[];
}

export interface LatestFile {
  command: string;
  quick: boolean;
  machine: Record<string, unknown>;
  startedAt: string;
  /** false until the run's last section has been written. */
  complete: boolean;
  seconds: number;
  timings: Record<string, number>;
  table: unknown[];
  charts: string[];
  sections: Record<string, unknown>;
  sectionRuns: Record<string, SectionRun>;
}

export class ResultsFile {
  private readonly sections: Record<string, unknown>;
  private readonly sectionRuns: Record<string, SectionRun>;
  private readonly charts = new Set<string>();
  private readonly timings: Record<string, number> = {};

  constructor(
    private readonly file: string,
    private readonly run: Pick<LatestFile, 'command' | 'quick' | 'machine' | 'startedAt'>,
  ) {
    const previous = readPrevious(file);
    this.sections = previous?.sections ?? {};
    this.sectionRuns = previous?.sectionRuns ?? {};
    for (const chart of previous?.charts ?? []) this.charts.add(chart);
  }

  /** Every section's figures: this run's, and the earlier runs' for the sections not measured again. */
  get allSections(): Readonly<Record<string, unknown>> {
    return this.sections;
  }

  /** Merges one section's figures in (write() then writes the file). */
  section(name: string, figures: unknown, seconds: number): void {
    this.sections[name] = figures;
    this.timings[name] = seconds;
    this.sectionRuns[name] = {
      command: this.run.command,
      quick: this.run.quick,
      startedAt: this.run.startedAt,
      endedAt: new Date().toISOString(),
      seconds,
      loadAverageAtEnd: loadavg().map((l) => round(l)),
    };
  }

  chart(name: string): void {
    this.charts.add(name);
  }

  write(table: unknown[], complete: boolean, seconds: number): void {
    const report: LatestFile = {
      ...this.run,
      complete,
      seconds,
      timings: this.timings,
      table,
      charts: [...this.charts].sort(),
      sections: this.sections,
      sectionRuns: this.sectionRuns,
    };
    writeFileSync(this.file, `${JSON.stringify(report, null, 2)}\n`);
  }
}

function readPrevious(file: string): Partial<LatestFile> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LatestFile>;
    // A file from before sections named their run: its sections are all of its one run.
    if (parsed.sectionRuns === undefined && parsed.sections !== undefined) {
      parsed.sectionRuns = Object.fromEntries(
        Object.keys(parsed.sections).map((name) => [
          name,
          {
            command: parsed.command ?? 'unknown',
            quick: parsed.quick ?? false,
            startedAt: parsed.startedAt ?? 'unknown',
            endedAt: 'unknown',
            seconds: parsed.timings?.[name] ?? 0,
            loadAverageAtEnd: [],
          },
        ]),
      );
    }
    return parsed;
  } catch {
    return undefined;
  }
}
