/**
 * The KDF cost is a dependency so that tests can run the product cheaply; these tests hold production to
 * its floor: the functions' wiring, every default, and the agent library, which refuses a cheap file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dependenciesFrom } from '../../../../functions/dependencies';
import { loadConfig } from '../../../../functions/config';
import { OfflineDataError, parseOfflineData, verifyOfflinePasscode } from '../../../../shared/agent';
import { buildOfflineData } from '../../../../shared/domain/offline-data';
import {
  PEPPERED_VERIFIER_ITERATIONS,
  PRODUCTION_KDF_COST,
  VERIFIER_MIN_ITERATIONS,
  createVerifier,
  verifySecret,
} from '../../../../shared/domain/verifier';
import { createPinVerifier } from '../../../../shared/use-cases/code-verifier';
import { TEST_KDF_COST } from '../../../support/kdf';

const OWASP_PBKDF2_SHA256 = 600_000;
let dir: string;
const saved = { ...process.env };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eat-kdf-'));
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('the production KDF cost', () => {
  it('is at the floor or above, and cannot be changed at run time', () => {
    expect(VERIFIER_MIN_ITERATIONS).toBeGreaterThanOrEqual(OWASP_PBKDF2_SHA256);
    expect(PRODUCTION_KDF_COST.floor).toBe(VERIFIER_MIN_ITERATIONS);
    expect(PRODUCTION_KDF_COST.iterations).toBeGreaterThanOrEqual(PRODUCTION_KDF_COST.floor);
    expect(Object.isFrozen(PRODUCTION_KDF_COST)).toBe(true);
    expect(() => {
      (PRODUCTION_KDF_COST as { iterations: number }).iterations = 1_000;
    }).toThrow(TypeError);
  });

  it('is what the functions wire, whatever the environment says', async () => {
    Object.assign(process.env, {
      TABLE_NAME: 'kdf-test',
      REGION_NAME: 'kdf-test',
      SEALER: 'local',
      LOCAL_KEY_FILE: join(dir, 'sealing.key'),
      KDF_ITERATIONS: '1000',
      VERIFIER_ITERATIONS: '1000',
    });
    const deps = dependenciesFrom(loadConfig());
    expect(deps.kdf).toBe(PRODUCTION_KDF_COST);
    // A PIN set through the wired dependencies is peppered, at the peppered verifier's count, and the
    // production check holds an unpeppered verifier to the full floor.
    const verifier = await createPinVerifier(deps, '000100000001', '2468');
    expect(verifier).toMatchObject({
      iterations: PEPPERED_VERIFIER_ITERATIONS,
      pepperKeyId: expect.any(String),
    });
    expect(PRODUCTION_KDF_COST.floor).toBeGreaterThanOrEqual(OWASP_PBKDF2_SHA256);
  });

  it('is every default: a verifier made or checked without a cost is held to the floor', async () => {
    expect((await createVerifier('K7QM2XHP')).iterations).toBe(PRODUCTION_KDF_COST.iterations);
    const cheap = await createVerifier('K7QM2XHP', TEST_KDF_COST);
    expect(await verifySecret('K7QM2XHP', cheap, TEST_KDF_COST)).toBe(true);
    expect(await verifySecret('K7QM2XHP', cheap)).toBe(false);
  });

  it('is what the agent library demands: a PBKDF2 verifier below the floor is refused, scrypt files are never cheap', async () => {
    const data = await buildOfflineData({
      seed: Buffer.alloc(20, 1),
      serial: '000100000001',
      assignmentEpoch: 0,
      digits: 6,
      pin: '2468',
      from: new Date('2026-12-01T00:00:00.000Z'),
      days: 1,
      userId: 'alice',
      kind: 'securid',
      agentId: 'win-agent-1',
      emergencyCode: {
        code: 'K7QM2XHPR4TX',
        generation: 1,
        issueId: null,
        expiresAt: '2026-12-02T00:00:00.000Z',
        singleUse: false,
      },
    });
    expect(data.emergencyAccess?.verifier).toMatchObject({ algorithm: 'scrypt' });
    const cheap = await createVerifier('2468K7QM2XHPR4TX', TEST_KDF_COST);
    const json = JSON.parse(
      JSON.stringify({
        ...data,
        tokencodes: null,
        tokencodesWithheld: 'DOMAIN_POLICY',
        emergencyAccess: { ...data.emergencyAccess, verifier: cheap },
      }),
    );
    expect(() => parseOfflineData(json)).toThrow(OfflineDataError);
    const parsed = parseOfflineData(json, TEST_KDF_COST);
    expect(parsed).toMatchObject({ emergencyAccess: { verifier: cheap } });
    const at = new Date('2026-12-01T01:00:00.000Z');
    expect((await verifyOfflinePasscode(parsed, '2468K7QM2XHPR4TX', { at })).outcome).toBe('reject');
    expect(
      (await verifyOfflinePasscode(parsed, '2468K7QM2XHPR4TX', { at, kdf: TEST_KDF_COST })).outcome,
    ).toBe('accept');
  });
});
