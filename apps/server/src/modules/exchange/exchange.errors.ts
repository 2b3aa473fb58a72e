import { AppError, errors } from '../../shared/errors';

/** Refusals of the exchange. Codes are stable; a refused call reveals nothing but its reason and receipt. */
export const exchangeErrors = {
  unknownResource: (field = 'body/resource') => new AppError(404, 'RESOURCE_UNKNOWN', '数据资源不存在或已停用', 'Unknown or retired data resource', field),
  notShared: () => new AppError(403, 'RESOURCE_NOT_SHARED', '该资源属于“不予共享”类', 'This resource is classed “not shared” (不予共享)', 'body/resource'),
  noGrant: () => new AppError(403, 'NO_GRANT', '本系统没有该资源的有效授权（请先提出共享申请）', 'This system holds no grant for this resource (request access first)', 'body/resource'),
  kindNotGranted: (kind: string) => new AppError(403, 'CALL_KIND_NOT_GRANTED', `授权不包含该调用方式：${kind}`, `The grant does not cover this kind of call: ${kind}`, 'body/resource'),
  grantExpired: () => new AppError(403, 'GRANT_EXPIRED', '授权已过期', 'The grant has expired', 'body/resource'),
  grantNotYetValid: () => new AppError(403, 'GRANT_NOT_YET_VALID', '授权尚未生效', 'The grant is not valid yet', 'body/resource'),
  grantRevoked: () => new AppError(403, 'GRANT_REVOKED', '授权已被撤销', 'The grant was revoked', 'body/resource'),
  fieldNotGranted: (fields: string[]) =>
    new AppError(403, 'FIELD_NOT_GRANTED', `以下数据项未获授权：${fields.join('、')}`, `These fields are not granted: ${fields.join(', ')}`, 'body/fields', { fields }),
  purposeRequired: () => new AppError(400, 'PURPOSE_REQUIRED', '必须说明本次调用的用途（事由）', 'State the purpose of this call', 'body/purpose'),
  subjectRequired: () => new AppError(400, 'SUBJECT_REQUIRED', '必须提供查询对象的证件号码或统一社会信用代码', 'Give the ID number or credit code of whom the call is about', 'body/subject'),
  claimsRequired: () => new AppError(400, 'CLAIMS_REQUIRED', '核验调用必须提供待核验的数据项', 'A verification call needs the claims to verify', 'body/claims'),
  quotaExceeded: () => new AppError(429, 'QUOTA_EXCEEDED', '今日调用次数已达授权上限', 'Today’s call quota of this grant is used up', 'body/resource'),
  rateLimited: () => new AppError(429, 'RATE_LIMITED', '调用过于频繁，超过授权的频率限制', 'Too many calls: over the grant’s rate limit', 'body/resource'),
  // authentication
  invalidAssertion: (why: string, whyEn: string) => new AppError(401, 'CLIENT_ASSERTION_INVALID', `客户端断言无效：${why}`, `Invalid client assertion: ${whyEn}`, 'body/client_assertion'),
  replayedAssertion: () => new AppError(401, 'CLIENT_ASSERTION_REPLAYED', '客户端断言已被使用过（jti 重放）', 'The client assertion was already used (jti replay)', 'body/client_assertion'),
  invalidToken: () => new AppError(401, 'ACCESS_TOKEN_INVALID', '访问令牌无效或已过期', 'Invalid or expired access token', 'header/authorization'),
  // workflow
  requestNotPending: () => errors.conflict('REQUEST_NOT_PENDING', '该申请已处理', 'The request was already decided'),
  notDecider: () => errors.forbidden('只有提供部门或大数据管理部门的数据管理员可以审批', 'Only data administrators of the provider or the big data administration may decide'),
  notConsumer: () => errors.forbidden('只能为本部门的系统提出申请', 'You may request access only for your own department’s systems'),
  badPeriod: () => new AppError(400, 'PERIOD_INVALID', '授权期限无效（截止时间须晚于开始时间，且不超过三年）', 'Invalid period (the end must follow the start, at most three years)', 'body/validUntil'),
  badFields: (fields: string[]) => new AppError(400, 'FIELDS_UNKNOWN', `资源没有这些数据项：${fields.join('、')}`, `The resource has no such fields: ${fields.join(', ')}`, 'body/fields'),
  unknownClient: () => new AppError(400, 'CLIENT_UNKNOWN', '系统（客户端）不存在或不属于本部门', 'Unknown client, or not of your department', 'body/clientId'),
  legalBasisRequired: () => new AppError(400, 'LEGAL_BASIS_REQUIRED', '敏感个人信息的共享必须写明法律依据', 'Sharing sensitive personal information needs a legal basis', 'body/legalBasis'),
  grantNotActive: () => errors.conflict('GRANT_NOT_ACTIVE', '授权已撤销', 'The grant is already revoked'),
  regionOutside: () => new AppError(403, 'REGION_OUTSIDE_CONSUMER', '只能订阅本部门所在行政区域（及下级）的数据变更', 'You may subscribe only to changes of your own department’s region', 'body/regionCode'),
  caseNotOpen: () => errors.conflict('CASE_NOT_OPEN', '该案件已办结', 'The case is already resolved'),
  alreadyFlagged: () => errors.conflict('USE_ALREADY_FLAGGED', '您已就这次使用提出过疑似滥用反映', 'You already flagged this use'),
  keyInvalid: () => new AppError(400, 'CLIENT_KEY_INVALID', '公钥无效（仅支持 Ed25519 或 P-256 的 JWK 公钥）', 'Invalid public key (an Ed25519 or P-256 public JWK)', 'body/jwk'),
};
