import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signCompactJws } from '../../src/core/compact-jws';
import { SIGNING_ALGS } from '../../src/settings';

describe('signCompactJws', () => {
  for (const alg of SIGNING_ALGS) {
    it(`signs a JWT that jose verifies, ${alg}`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
      // As the key ring holds it: imported from its JWK, not extractable.
      const key = (await importJWK(await exportJWK(privateKey), alg, { extractable: false })) as CryptoKey;
      const claims = { iss: 'https://gw.test', aud: 'https://origin.test', sub: 'ü', n: 1, exp: Math.floor(Date.now() / 1000) + 60 };
      const signer = { kid: `kid-${alg}`, alg, key };

      for (const typ of ['a+jwt', 'b+jwt']) {
        const jws = await signCompactJws(signer, typ, claims);
        expect(decodeProtectedHeader(jws)).toEqual({ alg, kid: `kid-${alg}`, typ });
        const { payload } = await jwtVerify(jws, publicKey, { algorithms: [alg], typ });
        expect(payload).toEqual(claims);
      }
    });
  }

  it('signs afresh each time, and a signature holds for its own claims only', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const signer = { kid: 'k', alg: 'ES256' as const, key: privateKey };
    const [a, b] = [await signCompactJws(signer, 't', { x: 1 }), await signCompactJws(signer, 't', { x: 1 })];
    // ECDSA draws a fresh nonce per signature: same header and payload, another signature.
    expect(a.split('.').slice(0, 2)).toEqual(b.split('.').slice(0, 2));
    expect(a).not.toBe(b);
    await expect(jwtVerify(b, publicKey)).resolves.toBeDefined();
    // A signature over other claims does not verify.
    const forged = `${a.split('.')[0]}.${(await signCompactJws(signer, 't', { x: 2 })).split('.')[1]}.${a.split('.')[2]}`;
    await expect(jwtVerify(forged, publicKey)).rejects.toThrow();
  });
});
