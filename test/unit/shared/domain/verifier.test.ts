import {
  PEPPERED_VERIFIER_ITERATIONS,
  PRODUCTION_KDF_COST,
  VERIFIER_ITERATIONS,
  createPepperedVerifier,
  VERIFIER_SALT_BYTES,
  createVerifier,
  verifySecret,
} from '../../../../shared/domain/verifier';

describe('the verifier KDF', () => {
  it('accepts the secret and rejects every near miss', async () => {
    const verifier = await createVerifier('K7QM2XHP');
    expect(await verifySecret('K7QM2XHP', verifier)).toBe(true);
    for (const nearMiss of ['K7QM2XHQ', 'k7qm2xhp', 'K7QM2XH', 'K7QM2XHPP', ' K7QM2XHP', '7QM2XHPK', '']) {
      expect(await verifySecret(nearMiss, verifier)).toBe(false);
    }
  });

  it('salts every verifier (at least 32 bits) and holds no secret', async () => {
    const a = await createVerifier('2468');
    const b = await createVerifier('2468');
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(Buffer.from(a.salt, 'base64').length).toBe(VERIFIER_SALT_BYTES);
    expect(VERIFIER_SALT_BYTES * 8).toBeGreaterThanOrEqual(32);
    expect(a).toEqual({
      algorithm: 'pbkdf2-sha256',
      iterations: VERIFIER_ITERATIONS,
      salt: a.salt,
      hash: a.hash,
    });
    expect(JSON.stringify(a)).not.toContain('2468');
  });

  it('refuses a verifier whose cost was lowered or whose fields were damaged', async () => {
    const verifier = await createVerifier('K7QM2XHP');
    expect(await verifySecret('K7QM2XHP', { ...verifier, iterations: 1000 })).toBe(false);
    expect(await verifySecret('K7QM2XHP', { ...verifier, hash: verifier.hash.slice(4) })).toBe(false);
    expect(await verifySecret('K7QM2XHP', { ...verifier, salt: '' })).toBe(false);
    await expect(createVerifier('x', { ...PRODUCTION_KDF_COST, iterations: 1000 })).rejects.toThrow(
      RangeError,
    );
  });

  it('makes a peppered verifier at the peppered count, and holds an unpeppered one to the full floor', async () => {
    const peppered = await createPepperedVerifier('bWFjLW9mLXRoZS1waW4=', 'key-1');
    expect(peppered).toMatchObject({ iterations: PEPPERED_VERIFIER_ITERATIONS, pepperKeyId: 'key-1' });
    expect(await verifySecret('bWFjLW9mLXRoZS1waW4=', peppered)).toBe(true);
    // The same verifier without its pepper key id claims to be over the secret itself: below that floor.
    const { pepperKeyId: _dropped, ...unpeppered } = peppered;
    expect(await verifySecret('bWFjLW9mLXRoZS1waW4=', unpeppered)).toBe(false);
    expect(await verifySecret('bWFjLW9mLXRoZS1waW4=', { ...peppered, iterations: 9_999 })).toBe(false);
  });
});
