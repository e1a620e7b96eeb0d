import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  OfflineDataError,
  parseOfflineData,
  recordOfflineData,
  recordOfflineUse,
  verifyOfflinePasscode,
  type OfflineLedger,
  type OfflineVerification,
} from '../../shared/agent';
import { keyValues } from '../render';
import { EXIT, UsageError, type Verb } from '../verb';

/**
 * `eatctl agent verify`: what an agent does offline. Reads offline data (the file, or a whole agent
 * authenticate reply holding it), checks the passcode with no network, prints the result (`--json` for
 * scripts) and exits 0 on accept, 1 on reject. `--passcode -` reads it from standard input, so that it stays out of
 * the shell history and the process list. `--ledger FILE` keeps what the agent must remember between
 * checks (the last accepted step, the single-use emergency codes spent, the newest assignment epoch of
 * each token whose data it was given, so that data of an earlier assignment is refused), read before and
 * written after.
 */
export const agentVerify: Verb = {
  name: 'agent verify',
  summary: 'check a passcode against downloaded offline data, with no network',
  usage:
    'eatctl agent verify --data FILE --passcode PASSCODE|- [--at ISO-TIME] [--last-step STEP] [--ledger FILE] [--json]\n' +
    '  exit 0: accept, 1: reject, 2: usage, 3: unreadable data',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        passcode: { type: 'string' },
        at: { type: 'string' },
        'last-step': { type: 'string' },
        ledger: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.data === undefined) throw new UsageError('--data is required');
    if (values.passcode === undefined) throw new UsageError('--passcode is required');
    const at = values.at === undefined ? new Date() : new Date(values.at);
    if (Number.isNaN(at.getTime())) throw new UsageError('--at must be an ISO 8601 time');
    const lastStep = values['last-step'] === undefined ? null : Number(values['last-step']);
    if (lastStep !== null && !Number.isSafeInteger(lastStep))
      throw new UsageError('--last-step must be a step number');
    const passcode =
      values.passcode === '-' ? ((await io.readStdin()).split(/\r?\n/)[0] ?? '') : values.passcode;

    let data;
    try {
      data = parseOfflineData(JSON.parse(await readFile(values.data, 'utf8')));
    } catch (error) {
      const why =
        error instanceof OfflineDataError
          ? error.message
          : error instanceof SyntaxError
            ? 'The offline data is not JSON'
            : `The offline data cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      io.stderr(`${why}\n`);
      return EXIT.failed;
    }
    const read: OfflineLedger = values.ledger === undefined ? {} : await readLedger(values.ledger);
    // The data given is data this agent has had: its epoch counts from now on, whatever the outcome.
    const ledger = recordOfflineData(read, data);
    const result = await verifyOfflinePasscode(data, passcode, {
      at,
      ...ledger,
      ...(lastStep === null ? {} : { lastAcceptedStep: lastStep }),
    });
    const after = recordOfflineUse(ledger, result);
    if (values.ledger !== undefined && after !== read) {
      await writeFile(values.ledger, JSON.stringify(after), { mode: 0o600 });
    }
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : verificationText(result, at));
    return result.outcome === 'accept' ? EXIT.ok : EXIT.rejected;
  },
};

function verificationText(result: OfflineVerification, at: Date): string {
  return keyValues([
    ['outcome', result.outcome],
    ['method', result.method ?? '-'],
    ...(result.reason === undefined ? [] : [['reason', result.reason] as [string, string]]),
    ...(result.step === undefined ? [] : [['tokencode step', result.step] as [string, number]]),
    ...(result.spent === undefined
      ? []
      : [
          [
            'single-use code',
            `spent by this use (generation ${result.spent.generation}; --ledger remembers it)`,
          ] as [string, string],
        ]),
    ['checked at', at.toISOString()],
    ['network', 'none (offline data only)'],
  ]);
}

/** The ledger `--ledger` names; empty when the file does not exist yet. */
export async function readLedger(path: string): Promise<OfflineLedger> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as OfflineLedger;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`--ledger ${path} cannot be read`);
  }
}
