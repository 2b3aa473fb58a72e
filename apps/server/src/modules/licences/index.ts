/**
 * Licences module (电子证照) — so far its crypto foundation: issuers' signing keys (EdDSA, ES256,
 * SM2SM3) with rotation and JWKS, SD-JWT VC issuance / presentation / verification, and IETF Token
 * Status Lists. Owns licence_issuer_keys and licence_status_lists. Design: README.md beside this file.
 */
export { LicenceService, type IssuerKeyInfo } from './licences.service';
export { licencesRoutes } from './licences.routes';
export { SIGNING_ALGS, createSigner, generateSigningKey, jwkThumbprint, publicJwk, verifySignature, type Jwk, type Signer, type SigningAlg } from './crypto/algorithms';
export { signJws, verifyJws, decodeJws } from './crypto/jws';
export { SM2_DEFAULT_ID, sm2Sign, sm2Verify, sm3, sm4Decrypt, sm4Encrypt } from './crypto/sm';
export { SdJwtError, issueSdJwt, issueSdJwtVc, presentSdJwt, verifySdJwt, type DisclosureSpec, type LicencePayload, type SdJwtVerified, type SdJwtVerifyOptions } from './sd-jwt';
export { STATUS, StatusList, StatusListError, emptyStatusList, readStatusListToken, signStatusListToken } from './status-list';
export { licenceUsesOf } from './licences.wallet';
export { seedDemoLicences } from './licences.demo';
export { LICENCE_TYPES, licenceType, type LicenceTypeDef } from './licences.types';
export { verifyPresentation, REFUSALS, type TrustResolver, type VerificationResult } from './verifier';
