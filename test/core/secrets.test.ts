import { describe, expect, it } from 'vitest';
import { constantTimeEqual, hashSecret, secretMatches } from '../../src/core/secrets';

describe('secrets', () => {
  it("hashes as IdentityServer's Sha256(): base64 of SHA-256", async () => {
    expect(await hashSecret('secret')).toBe('K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=');
  });

  it('matches SHA-256 and SHA-512 hashes, and no other', async () => {
    const sha512 = 'vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==';
    expect(await secretMatches('secret', ['K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='])).toBe(true);
    expect(await secretMatches('secret', [sha512])).toBe(true);
    expect(await secretMatches('Secret', ['K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=', sha512])).toBe(false);
    expect(await secretMatches('secret', ['not base64!'])).toBe(false);
    expect(await secretMatches('secret', [])).toBe(false);
  });

  it('compares bytes fully, whatever their lengths', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});
