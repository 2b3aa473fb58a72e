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
};
