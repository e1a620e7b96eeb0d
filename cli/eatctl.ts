/**
 * eatctl: the command line of Emergency Access Tokencodes, as `eatctl <words of a verb> [options]`.
 * Each verb lives in cli/verbs/ and is listed in VERBS; the longest run of leading words that names a
 * verb picks it.
 */
import { createInterface } from 'node:readline/promises';
import { agentVerify } from './verbs/agent-verify';
import { auditVerify } from './verbs/audit-verify';
import { API_VERBS } from './verbs/api-verbs';
import { regionsVerb } from './verbs/regions';
import { totpVerb } from './verbs/totp';
import { EXIT, UsageError, type Io, type Verb } from './verb';

export const VERBS: readonly Verb[] = [...API_VERBS, regionsVerb, agentVerify, auditVerify, totpVerb];

function help(): string {
  const lines = VERBS.map((verb) => `  ${verb.name.padEnd(20)} ${verb.summary}`);
  return `usage: eatctl <verb> [options]\n\nverbs:\n${lines.join('\n')}\n\neatctl <verb> --help for its options\n`;
}

function findVerb(argv: readonly string[]): { verb: Verb; rest: string[] } | null {
  const byWords = [...VERBS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const verb of byWords) {
    const words = verb.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { verb, rest: argv.slice(words.length) };
  }
  return null;
}

/** Names what was typed (the words before the first option) and the verb nearest to it. */
function unknownVerb(argv: readonly string[]): string {
  const firstOption = argv.findIndex((word) => word.startsWith('-'));
  const typed = argv.slice(0, firstOption === -1 ? argv.length : firstOption).slice(0, 2);
  if (typed.length === 0) return `eatctl: name a verb before the options (${argv[0]})`;
  const scored = VERBS.map((verb) => {
    const words = verb.name.split(' ').length;
    return { verb, distance: editDistance(typed.slice(0, words).join(' '), verb.name) };
  }).sort((a, b) => a.distance - b.distance);
  const nearest = scored[0]!;
  if (nearest.distance > 3) return `eatctl: \`${typed[0]}\` is not a verb`;
  const named = typed.slice(0, nearest.verb.name.split(' ').length).join(' ');
  return `eatctl: \`${named}\` is not a verb; did you mean \`${nearest.verb.name}\`?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(help());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findVerb(argv);
  if (found === null) {
    io.stderr(`${unknownVerb(argv)}\n\n${help()}`);
    return EXIT.usage;
  }
  const { verb, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${verb.summary}\n\nusage: ${verb.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await verb.run(rest, io);
  } catch (error) {
    // parseArgs reports unknown or malformed options with an ERR_PARSE_ARGS_* code.
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`eatctl ${verb.name}: ${(error as Error).message}\nusage: ${verb.usage}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    ...(process.stdin.isTTY && process.stderr.isTTY
      ? {
          ask: async (question: string) => {
            const prompt = createInterface({ input: process.stdin, output: process.stderr });
            try {
              return await prompt.question(question);
            } finally {
              prompt.close();
            }
          },
        }
      : {}),
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`eatctl: ${(error as Error).message}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
