// The test provider's signing keys, and tokens made with them outside the provider for attack
// tests: signed with its own keys (what the API must refuse although the signature is genuine:
// another audience, expired, …) or only made to look like its own (`alg: none`, HS256 keyed with
// the public key).
//
//   node tests/idp/sign.mjs KEYS_FILE < '{"header":{…},"claims":{…}}'   prints a compact JWS
//   node tests/idp/sign.mjs --new-keys                                  prints a private JWKS
//
// KEYS_FILE is the private JWKS the provider runs with (DESK_IDP_KEYS_FILE); `--new-keys` makes
// one as server.mjs does for itself (an RSA key, then an EC P-256 key, each with a kid). The
// claims are signed as given. The header starts as the provider's access tokens have it,
// {"alg":"RS256","typ":"at+jwt","kid":<the RSA key's>}; given fields replace those and a null
// leaves one out. `alg` picks how it is signed:
//   RS256 RS384 RS512 PS256 PS384 PS512   with the RSA key
//   ES256                                 with the EC key (whose kid is then the default)
//   none                                  not at all: the signature part is empty
//   HS256-public-key                      written as HS256, an HMAC keyed with the RSA public key
//                                         as PEM (SPKI, `-----BEGIN PUBLIC KEY-----`, with its
//                                         final newline): the classic key-confusion forgery
import {
  constants, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';

const b64url = (data) => Buffer.from(data).toString('base64url');

/** A fresh private JWKS: an RSA key (RS256, what tokens are signed with) and an EC P-256 key. */
export function freshSigningKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  // Unique within a run, so keys made by a rotation never share a kid with the ones they replace.
  const stamp = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return [
    { ...rsa.export({ format: 'jwk' }), kid: `rsa-${stamp}`, use: 'sig', alg: 'RS256' },
    { ...ec.export({ format: 'jwk' }), kid: `ec-${stamp}`, use: 'sig', alg: 'ES256' },
  ];
}

const RSA = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};

/** A compact JWS of `claims` under `header` (see above), with the keys of the private `jwks`. */
export function signToken(jwks, header = {}, claims = {}) {
  const rsa = jwks.keys.find((k) => k.kty === 'RSA' && k.d);
  const ec = jwks.keys.find((k) => k.kty === 'EC' && k.crv === 'P-256' && k.d);
  if (!rsa) throw new Error('the keys hold no private RSA key');
  const requested = header.alg ?? 'RS256';
  const key = requested === 'ES256' ? ec : rsa;
  if (!key) throw new Error('the keys hold no private EC P-256 key');

  const fields = { alg: requested, typ: 'at+jwt', kid: key.kid, ...header };
  if (requested === 'HS256-public-key') fields.alg = 'HS256';
  for (const [name, value] of Object.entries(fields)) if (value === null) delete fields[name];
  const input = `${b64url(JSON.stringify(fields))}.${b64url(JSON.stringify(claims))}`;

  let signature;
  if (requested === 'none') {
    signature = Buffer.alloc(0);
  } else if (requested === 'HS256-public-key') {
    const pem = createPublicKey({ key: rsa, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    signature = createHmac('sha256', pem).update(input).digest();
  } else if (requested === 'ES256') {
    const privateKey = createPrivateKey({ key: ec, format: 'jwk' });
    signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  } else if (RSA[requested]) {
    const { hash, pss } = RSA[requested];
    const privateKey = createPrivateKey({ key: rsa, format: 'jwk' });
    const options = pss
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key: privateKey };
    signature = sign(hash, Buffer.from(input), options);
  } else {
    throw new Error(`no way to sign with alg ${JSON.stringify(requested)}`);
  }
  return `${input}.${b64url(signature)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const arg = process.argv[2];
    if (arg === '--new-keys') {
      process.stdout.write(`${JSON.stringify({ keys: freshSigningKeys() })}\n`);
    } else if (arg) {
      const jwks = JSON.parse(readFileSync(arg, 'utf8'));
      const { header, claims } = JSON.parse(readFileSync(0, 'utf8'));
      process.stdout.write(`${signToken(jwks, header ?? {}, claims ?? {})}\n`);
    } else {
      console.error('usage: node sign.mjs KEYS_FILE < {"header":…,"claims":…}  |  node sign.mjs --new-keys');
      process.exit(2);
    }
  } catch (err) {
    console.error(`sign.mjs: ${err.message}`);
    process.exit(1);
  }
}
