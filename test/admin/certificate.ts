/**
 * A self-signed X.509 certificate of an EC P-256 key, for the tests only (jose cannot make
 * certificates). Generated once on a development machine with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=test -days 3650
 * and its private key thrown away. CERTIFICATE_JWK is its public key as a JWK, kid = its RFC 7638
 * thumbprint, as `openssl x509 -pubkey` and jose's calculateJwkThumbprint give them.
 */
export const CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBdDCCARmgAwIBAgIUIIymDZ3Z0215eIEiA+QuBPWEyhgwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdGVzdDAeFw0yNjEyMDEyMDUxMTZaFw0zNjExMjgyMDUxMTZa
MA8xDTALBgNVBAMMBHRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQqWzgF
C7DX0aooLPgf4wq1ZcIHu9Ox5Ih1hyyvXwsXOBA2EaPWm/vwWBgaP17GMESr+S1H
PBX2UuhKztflCZZJo1MwUTAdBgNVHQ4EFgQUc51MW9Kv8QnjKA9en9RtfwnzD/gw
HwYDVR0jBBgwFoAUc51MW9Kv8QnjKA9en9RtfwnzD/gwDwYDVR0TAQH/BAUwAwEB
/zAKBggqhkjOPQQDAgNJADBGAiEAyXNTSLlKX6ysrXqDsu+TU2M4xw1VfjywS2pk
yrjNL2QCIQDQ2odxyBNhHWgQ15gVdkCyg5ORXx1cR08PW/VblwRdBg==
-----END CERTIFICATE-----
`;

/** The certificate as IdentityServer's X509CertificateBase64 secret holds it: base64 DER, no armour. */
export const CERTIFICATE_BASE64 = CERTIFICATE_PEM.replace(/-----[A-Z ]+-----|\s/g, '');

export const CERTIFICATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'Kls4BQuw19GqKCz4H-MKtWXCB7vTseSIdYcsr18LFzg',
  y: 'EDYRo9ab-_BYGBo_XsYwRKv5LUc8FfZS6ErO1-UJlkk',
  kid: 'x3WBhWCQef9SwHomJ2Ah-WnrEo5uc2tY2Z6L_jcTzw8',
};
