import { AppError } from '../../shared/errors';

export const identityErrors = {
  invalidCredentials: () => new AppError(401, 'INVALID_CREDENTIALS', '用户名或密码错误', 'Wrong user name or password'),
  totpRequired: () => new AppError(401, 'TOTP_REQUIRED', '请输入动态验证码', 'Enter the one-time code from your authenticator', 'body/totp'),
  totpInvalid: () => new AppError(401, 'TOTP_INVALID', '动态验证码错误', 'Wrong one-time code', 'body/totp'),
  totpCodeWrong: () => new AppError(400, 'TOTP_CODE_WRONG', '动态验证码错误，请核对手机上的验证码', 'Wrong one-time code; check the code in your authenticator', 'body/code'),
  locked: (until: Date) =>
    new AppError(423, 'ACCOUNT_LOCKED', `登录失败次数过多，账户已锁定至 ${until.toISOString()}`, `Too many failed sign-ins; the account is locked until ${until.toISOString()}`, undefined, {
      lockedUntil: until.toISOString(),
    }),
  disabled: () => new AppError(403, 'ACCOUNT_DISABLED', '账户已停用', 'The account is disabled'),
  oidcState: () => new AppError(400, 'OIDC_STATE_INVALID', '登录会话已失效，请重新登录', 'The sign-in attempt expired or is unknown; please sign in again', 'query/state'),
  oidcFailed: (why: string) => new AppError(502, 'OIDC_FAILED', `身份认证平台返回错误：${why}`, `The identity provider failed: ${why}`),
  notMember: () => new AppError(403, 'NOT_ENTERPRISE_MEMBER', '您不是该企业的法定代表人或经办人', 'You are not the legal representative or authorised staff of this enterprise', 'body/id'),
  noMandate: () => new AppError(403, 'NO_VALID_MANDATE', '没有有效的代办授权', 'No valid mandate to act for this person', 'body/id'),
  personNotFound: (field: string) => new AppError(404, 'PERSON_NOT_FOUND', '该证件号码尚未注册本平台账户', 'No account is registered for this ID number', field),
  usernameTaken: () => new AppError(409, 'USERNAME_TAKEN', '用户名已被使用', 'The user name is taken', 'body/username'),
  invalidClient: () => new AppError(401, 'INVALID_CLIENT', '客户端认证失败', 'Client authentication failed'),
  invalidToken: () => new AppError(401, 'INVALID_TOKEN', '访问令牌无效或已过期', 'The access token is invalid or expired'),
  weakPassword: (p: { zh: string; en: string }) => new AppError(400, 'WEAK_PASSWORD', p.zh, p.en, 'body/password'),
  badRoles: () => new AppError(400, 'ROLES_INVALID', '角色与账户类型不符', 'The roles do not fit the kind of account', 'body/roles'),
  unknownDepartment: () => new AppError(400, 'DEPARTMENT_UNKNOWN', '部门不存在', 'Unknown department', 'body/departmentId'),
  agentNameMismatch: () => new AppError(400, 'AGENT_NAME_MISMATCH', '姓名与身份证号码不一致，请核对', 'The name does not match the ID number; please check both', 'body/agentName'),
  reasonRequired: () => new AppError(400, 'REASON_REQUIRED', '停用账户或变更角色须填写原因', 'Give a reason to disable an account or change its roles', 'body/reason'),
  mandateSelf: () => new AppError(400, 'MANDATE_SELF', '不能授权给自己', 'You cannot give a mandate to yourself', 'body/agentIdNumber'),
};
