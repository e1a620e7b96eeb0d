/**
 * The README's walkthrough, run as written: every `$ ` line of the ```console blocks that follow a
 * `<!-- walkthrough -->` mark, in order, in one bash session (so the shorthand and the exports carry on),
 * from the repository, against a local system started as `npm start -- --fresh` on free ports. What each
 * command prints is compared with the lines shown under it, after normalizing what legitimately differs
 * from run to run: codes, tokencodes, times, ids, ETags, ports, and the local data directory (`.local/` in
 * the README, a temporary one here, in the commands too). A value the README shows (the code Jane reads)
 * and a later command types stands for the value this run printed in its place.
 *
 * WALKTHROUGH_ACTUAL=FILE writes what the commands printed (ports and directory as in the README) to FILE.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../local/engines';
import { startLocalProcess, type LocalProcess } from '../support/local-process';

interface Step {
  command: string;
  shown: string[];
}

const MARK = '<!-- walkthrough -->';

/** The commands and their shown output, from the marked blocks of the README. */
function walkthroughOf(readme: string): Step[] {
  const steps: Step[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== MARK) continue;
    let j = i + 1;
    while (lines[j]!.trim() === '') j++;
    if (lines[j] !== '```console')
      throw new Error(`README line ${j + 1}: a walkthrough mark before no console block`);
    for (j++; lines[j] !== '```'; j++) {
      const line = lines[j]!;
      if (line.startsWith('$ ')) {
        let command = line.slice(2);
        while (command.endsWith('\\')) command = `${command.slice(0, -1).trimEnd()} ${lines[++j]!.trim()}`;
        steps.push({ command, shown: [] });
      } else {
        if (steps.length === 0) throw new Error(`README line ${j + 1}: output before any command`);
        steps[steps.length - 1]!.shown.push(line);
      }
    }
    i = j;
  }
  return steps;
}

/** Values that differ from run to run; `carried` ones may be typed by a later command. */
const VARYING: { pattern: RegExp; as: string; carried?: boolean }[] = [
  { pattern: /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g, as: '<time>' },
  { pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, as: '<uuid>' },
  { pattern: /\b[A-Z2-9]{12}\b/g, as: '<offline code>', carried: true },
  { pattern: /(?<=\b\d{4})\d{6}\b|\b\d{6}\b/g, as: '<tokencode>', carried: true },
  { pattern: /(?<=^time left +)\d+(?= s )/g, as: '<n>' },
  { pattern: /(?<=^etag +)"[0-9a-z]+"$/g, as: '<etag>', carried: true },
  { pattern: /(?<=127\.0\.0\.1:)\d+/g, as: '<port>' },
];

function normalize(line: string): string {
  let out = line.trimEnd();
  for (const { pattern, as } of VARYING) out = out.replace(pattern, as);
  // Column widths follow the values: alignment is not compared, the columns are.
  return out.replace(/-{3,}/g, '---').replace(/ {2,}/g, '  ');
}

function carriedValues(line: string): string[] {
  return VARYING.filter((v) => v.carried).flatMap(({ pattern }) => line.match(pattern) ?? []);
}

let system: LocalProcess;

beforeAll(async () => {
  system = await startLocalProcess();
});

afterAll(async () => {
  await system.stop();
});

/** One bash session, as the user's terminal: each command's output and exit status, in turn. */
class Terminal {
  private readonly bash: ChildProcessWithoutNullStreams;
  private buffer = '';

  constructor(env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: projectRoot(), env });
    this.bash.stdout.on('data', (chunk: Buffer) => (this.buffer += chunk.toString()));
    this.bash.stdin.write('exec 2>&1\n');
  }

  async run(command: string): Promise<{ output: string; status: number }> {
    const marker = `@@walkthrough-${Math.random().toString(36).slice(2)}`;
    this.buffer = '';
    this.bash.stdin.write(`${command}\necho "${marker} $?"\n`);
    const done = new RegExp(`(?:^|\\n)${marker} (\\d+)\\n`);
    for (;;) {
      const found = done.exec(this.buffer);
      if (found) return { output: this.buffer.slice(0, found.index), status: Number(found[1]) };
      if (this.bash.exitCode !== null) throw new Error(`bash exited running: ${command}\n${this.buffer}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    this.bash.stdin.end();
  }
}

it('runs the README walkthrough as written, and it prints what the README shows', async () => {
  const steps = walkthroughOf(readFileSync(join(projectRoot(), 'README.md'), 'utf8'));
  expect(steps.length).toBeGreaterThanOrEqual(10);
  expect(steps.filter((s) => s.command.includes('eatctl agent verify'))).toHaveLength(1);

  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('EATCTL_') && !name.startsWith('npm_')),
  );
  const terminal = new Terminal({ ...env, LOCAL_DATA_DIR: system.dataDir, PORT: '1' });
  const asReadme = (text: string) =>
    text
      .split(system.dataDir)
      .join('.local')
      .replace(new RegExp(`127\\.0\\.0\\.1:${system.ports[0]}\\b`, 'g'), '127.0.0.1:3000')
      .replace(new RegExp(`127\\.0\\.0\\.1:${system.ports[1]}\\b`, 'g'), '127.0.0.1:3001');
  const carried = new Map<string, string>();
  const actual: string[] = [];
  const drift: string[] = [];
  try {
    for (const step of steps) {
      let command = step.command.replace(/(^|\s)\.local\//g, `$1${system.dataDir}/`);
      for (const [shown, value] of carried) command = command.split(shown).join(value);
      const { output, status } = await terminal.run(command);
      const printed = asReadme(output).replace(/\n$/, '').split('\n');
      const lines = output === '' ? [] : printed;
      actual.push(`$ ${step.command}`, ...lines);
      // An agent's reject exits 1; every other command of the walkthrough succeeds.
      const wantedStatus = step.shown.some((line) => /^outcome +reject/.test(line)) ? 1 : 0;
      if (status !== wantedStatus) drift.push(`$ ${step.command}\n  exit ${status}, wanted ${wantedStatus}`);
      const rows = Math.max(lines.length, step.shown.length);
      for (let row = 0; row < rows; row++) {
        const shown = step.shown[row];
        const got = lines[row];
        if (shown !== undefined && got !== undefined && normalize(shown) === normalize(got)) {
          const values = carriedValues(got);
          carriedValues(shown).forEach((value, k) => values[k] && carried.set(value, values[k]));
          continue;
        }
        drift.push(`$ ${step.command}\n  README: ${shown ?? '(nothing)'}\n  actual: ${got ?? '(nothing)'}`);
      }
    }
  } finally {
    terminal.close();
    if (process.env.WALKTHROUGH_ACTUAL)
      writeFileSync(process.env.WALKTHROUGH_ACTUAL, `${actual.join('\n')}\n`);
  }
  expect(drift).toEqual([]);
}, 600_000);
