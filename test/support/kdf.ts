/**
 * The verifier KDF's cost in tests that are about something else: the production algorithm and layout at
 * a thousand iterations (production runs 600,000), its floor lowered to match, so a verifier or offline
 * file costs about a millisecond. Only tests hand it in; functions/dependencies.ts wires the production
 * cost, which test/unit/domain/kdf-cost.test.ts holds to the floor.
 */
import type { KdfCost } from '../../shared/domain/verifier';

export const TEST_KDF_COST: Readonly<KdfCost> = Object.freeze({
  iterations: 1_000,
  floor: 1_000,
  ceiling: 1_000,
});
