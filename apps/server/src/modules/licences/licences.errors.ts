import { AppError } from '../../shared/errors';

export const licenceErrors = {
  unknownDepartment: (field: string) => new AppError(400, 'DEPARTMENT_UNKNOWN', '部门不存在', 'Unknown department', field),
  notYourDepartment: () => new AppError(403, 'FORBIDDEN', '只能管理本部门的签发密钥', "You may manage only your own department's issuer keys"),
  keyNotFound: (field: string) => new AppError(404, 'LICENCE_KEY_NOT_FOUND', '签发密钥不存在', 'No such issuer key', field),
  noActiveKey: (alg: string) => new AppError(409, 'LICENCE_NO_ACTIVE_KEY', `该部门没有可用的 ${alg} 签发密钥`, `The department has no active ${alg} issuer key`),
  statusListNotFound: (field: string) => new AppError(404, 'STATUS_LIST_NOT_FOUND', '状态列表不存在', 'No such status list', field),
  statusIndexOutOfRange: (size: number) =>
    new AppError(400, 'STATUS_INDEX_OUT_OF_RANGE', `状态序号须在 0 至 ${size - 1} 之间`, `The status index must be between 0 and ${size - 1}`, 'body/index'),
  statusValueInvalid: (bits: number) =>
    new AppError(400, 'STATUS_VALUE_INVALID', `状态值须在 0 至 ${2 ** bits - 1} 之间`, `The status value must be between 0 and ${2 ** bits - 1}`, 'body/status'),
  unknownType: (field: string) => new AppError(400, 'LICENCE_TYPE_UNKNOWN', '证照类型不存在', 'Unknown licence type', field),
  holderKindMismatch: (expected: string) =>
    new AppError(400, 'LICENCE_HOLDER_KIND', expected === 'person' ? '该证照的持证人须为自然人' : '该证照的持证人须为法人', `This licence is held by a ${expected === 'person' ? 'natural person' : 'legal person'}`, 'body/holder'),
  holderNotFound: () => new AppError(404, 'LICENCE_HOLDER_NOT_FOUND', '持证人不存在（自然人须已实名注册，法人须已登记）', 'No such holder (a person must be registered, an enterprise known)', 'body/holder'),
  fieldUnknown: (key: string) => new AppError(400, 'LICENCE_FIELD_UNKNOWN', `证照类型没有字段「${key}」`, `The licence type has no field "${key}"`, `body/fields/${key}`),
  fieldMissing: (key: string) => new AppError(400, 'LICENCE_FIELD_MISSING', `缺少证照字段「${key}」`, `The licence field "${key}" is missing`, `body/fields/${key}`),
  holderFieldMismatch: (key: string) => new AppError(400, 'LICENCE_HOLDER_FIELD_MISMATCH', `字段「${key}」与持证人身份不符`, `The field "${key}" does not match the holder`, `body/fields/${key}`),
  validityInvalid: () => new AppError(400, 'LICENCE_VALIDITY_INVALID', '有效期截止日须晚于生效日', 'The end of validity must be after its start', 'body/validUntil'),
  notFound: (field = 'params/id') => new AppError(404, 'LICENCE_NOT_FOUND', '证照不存在', 'No such licence', field),
  notYourIssuer: () => new AppError(403, 'FORBIDDEN', '只能管理本部门签发的证照', 'You may manage only licences your department issued'),
  scopeMissing: (scope: string) => new AppError(403, 'SCOPE_MISSING', `客户端缺少权限范围 ${scope}`, `The client lacks the scope ${scope}`),
  statusTransition: (from: string, action: string) =>
    new AppError(409, 'LICENCE_STATUS_CONFLICT', `证照当前状态（${from}）不能执行该操作`, `A ${from} licence cannot be ${action === 'reinstate' ? 'reinstated' : action === 'suspend' ? 'suspended' : 'revoked'}`, 'body/action'),
  notPresentable: (status: string) => new AppError(409, 'LICENCE_NOT_VALID', `证照${status === 'expired' ? '已过期' : status === 'revoked' ? '已吊销' : '已暂停'}，不能出示`, `The licence is ${status} and cannot be presented`),
  presentationFieldsInvalid: (key: string) => new AppError(400, 'PRESENTATION_FIELD_UNKNOWN', `证照没有可出示的字段「${key}」`, `The licence has no field "${key}" to disclose`, 'body/fields'),
  presentationNotFound: () => new AppError(404, 'PRESENTATION_NOT_FOUND', '出示码不存在', 'No such presentation', 'params/id'),
  presentationExpired: () => new AppError(410, 'PRESENTATION_EXPIRED', '出示码已过期，请持证人重新生成', 'The presentation has expired; ask the holder for a new one', 'params/id'),
  trustedIssuerExists: () => new AppError(409, 'TRUSTED_ISSUER_EXISTS', '该签发机构已在信任列表中', 'The issuer is already on the trust list', 'body/iss'),
  trustedIssuerLocal: () => new AppError(400, 'TRUSTED_ISSUER_LOCAL', '本节点的签发机构自动受信任，无需添加', 'This node’s own issuers are trusted already', 'body/iss'),
  trustedIssuerKeysInvalid: () => new AppError(400, 'TRUSTED_ISSUER_KEYS_INVALID', '公钥集无效：须为 EdDSA、ES256 或 SM2SM3 公钥，且带 kid，不得含私钥', 'Invalid key set: EdDSA, ES256 or SM2SM3 public keys with a kid, no private parts', 'body/jwks'),
  trustedIssuerNotFound: () => new AppError(404, 'TRUSTED_ISSUER_NOT_FOUND', '信任列表中没有该签发机构', 'No such issuer on the trust list', 'params/id'),
};
