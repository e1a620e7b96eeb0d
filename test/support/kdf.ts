/**
 * The verifier KDF's cost in tests that are about something else: the production algorithm and layout at
 * a thousand iterations (production runs 600,000), its floor lowered to match, so a verifier or offline
 * file costs about a millisecond. Only tests hand it in; functions/dependencies.ts wires the production
 * cost, which test/unit/shared/domain/kdf-cost.test.ts holds to the floor.
 */
import { PRODUCTION_KDF_COST, type KdfCost } from '../../shared/domain/verifier';

export const TEST_KDF_COST: Readonly<KdfCost> = Object.freeze({
  iterations: 1_000,
  floor: 1_000,
  // Production's: verifiers the product makes at a fixed cost (peppered ones, 10,000) are still checked.
  ceiling: PRODUCTION_KDF_COST.ceiling,
});

/**
 * A reply's JSON with every KDF iteration count of its offline data set to production's, so that the
 * contract's schema (whose floor is production's) can check the rest of a reply made at the test cost.
 */
export function atProductionCost<T>(body: T): T {
  return JSON.parse(JSON.stringify(body), (key: string, value: unknown) =>
    key === 'iterations' && value === TEST_KDF_COST.iterations ? PRODUCTION_KDF_COST.iterations : value,
  ) as T;
}
