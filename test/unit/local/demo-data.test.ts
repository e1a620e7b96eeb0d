/**
 * The demo data sets its PINs as the API does: peppered and bound to the serial. An unpeppered demo PIN
 * would be searchable from a table backup by the KDF alone, and would cost a login 600,000 iterations,
 * which tells a demo user from an unknown one by time (SECURITY.md).
 */
import { PEPPERED_VERIFIER_ITERATIONS, verifySecret } from '../../../shared/domain/verifier';
import { verifyPin } from '../../../shared/use-cases/code-verifier';
import { startDemoSystem, USERS } from '../../support/demo';
import type { UseCaseSystem } from '../../support/system';

let system: UseCaseSystem;

afterAll(async () => {
  await system?.stop();
});

it("stores every demo user's PIN verifier peppered, bound to its serial, never testable by the KDF alone", async () => {
  const started = await startDemoSystem();
  system = started.system;
  const { deps } = started;
  const withPins = USERS.filter((user) => user.pin !== null);
  expect(withPins.length).toBeGreaterThan(0);
  for (const user of withPins) {
    const verifier = (await deps.store.getToken(user.serial))?.pinVerifier;
    expect(verifier).toMatchObject({
      algorithm: 'pbkdf2-sha256',
      iterations: PEPPERED_VERIFIER_ITERATIONS,
      pepperKeyId: (
        await deps.pepper.mac(Buffer.from('x'), {
          purpose: 'pin',
          serial: user.serial,
          generation: 0,
          assignmentEpoch: 0,
        })
      ).keyId,
    });
    // The attack on a table backup: the right PIN, run through the KDF alone, does not match.
    expect(await verifySecret(user.pin!, verifier!, deps.kdf)).toBe(false);
    // Through the pepper it does, and only under its own serial.
    expect(await verifyPin(deps, user.serial, verifier!, user.pin!)).toBe(true);
    const other = USERS.find((u) => u.serial !== user.serial)!;
    expect(await verifyPin(deps, other.serial, verifier!, user.pin!)).toBe(false);
  }
});
