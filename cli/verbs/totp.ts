import { parseArgs } from 'node:util';
import { findDemoUser } from '../../local/demo-data';
import { decodeBase32, PRODUCT_TOTP, timeStepOf, totp } from '../../shared/domain/totp';
import { keyValues } from '../render';
import { EXIT, UsageError, type Verb } from '../verb';

/**
 * `eatctl totp <user|serial>`: a demo user's current tokencode, as their token would show it, so the
 * walkthrough needs no phone. Only the local system's demo seeds are known to it (`local/demo-data.ts`).
 */
export const totpVerb: Verb = {
  name: 'totp',
  summary: "a demo user's current tokencode and the seconds it has left (local demo data only)",
  usage: 'eatctl totp <user|serial> [--at ISO-TIME] [--code] [--json]\n  --code prints the tokencode alone',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        at: { type: 'string' },
        code: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('name one demo user (alice) or token serial');
    const user = findDemoUser(positionals[0]!);
    if (user === undefined)
      throw new UsageError(
        `${positionals[0]} is not a demo user or serial; the demo users are alice, bob, carol, dave, erin`,
      );
    const at = values.at === undefined ? new Date() : new Date(values.at);
    if (Number.isNaN(at.getTime())) throw new UsageError('--at is not an ISO time');
    const { stepSeconds, digits } = PRODUCT_TOTP;
    const tokencode = totp(decodeBase32(user.seed), at, PRODUCT_TOTP);
    const stepEnds = (Number(timeStepOf(at, stepSeconds)) + 1) * stepSeconds * 1000;
    const secondsLeft = Math.ceil((stepEnds - at.getTime()) / 1000);
    if (values.code) io.stdout(`${tokencode}\n`);
    else if (values.json)
      io.stdout(`${JSON.stringify({ userId: user.userId, serial: user.serial, tokencode, secondsLeft })}\n`);
    else
      io.stdout(
        keyValues([
          ['user', `${user.userId} (token ${user.serial})`],
          ['tokencode', tokencode],
          ['time left', `${secondsLeft} s (SHA-1, ${digits} digits, ${stepSeconds} s steps)`],
          ...(user.pin === null
            ? []
            : [
                ['passcode', `${user.pin}${tokencode} (PIN ${user.pin}, then the tokencode)`] as [
                  string,
                  string,
                ],
              ]),
        ]),
      );
    return EXIT.ok;
  },
};
