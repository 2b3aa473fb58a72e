import { AppError, errors } from '../../shared/errors';

export const resourceErrors = {
  notFound: () => errors.notFound('Data resource', '数据资源'),
  codeTaken: () => errors.conflict('RESOURCE_CODE_TAKEN', '资源编码已存在', 'The resource code is taken', 'body/code'),
  nameTaken: () => errors.conflict('RESOURCE_NAME_TAKEN', '资源名称已存在', 'The resource name is taken', 'body/name'),
  notManager: () => errors.forbidden('只有提供部门或大数据管理部门的管理员可以维护该资源', 'Only administrators of the providing department or the big data administration may maintain this resource'),
  unknownDepartment: () => new AppError(400, 'DEPARTMENT_UNKNOWN', '提供部门不存在', 'Unknown providing department', 'body/providerDepartmentId'),
  keyField: () => new AppError(400, 'RESOURCE_KEY_FIELD', '主键字段必须是资源的数据项之一', 'The key field must be one of the resource’s fields', 'body/keyField'),
  duplicateField: (name: string) => new AppError(400, 'RESOURCE_FIELD_DUPLICATE', `数据项名称重复：${name}`, `Duplicate field name: ${name}`, 'body/fields'),
  personalOpen: () =>
    new AppError(400, 'RESOURCE_PERSONAL_NOT_OPENABLE', '含个人信息或以个人为主体的资源只能“不予开放”', 'A resource about persons or with personal fields must be “not open” (不予开放)', 'body/openClass'),
  versionConflict: () => errors.conflict('RESOURCE_VERSION_CONFLICT', '资源已被他人修改，请刷新后重试', 'The resource was changed by someone else; reload and try again', 'body/version'),
  badRow: (why: string, whyEn: string) => new AppError(400, 'RESOURCE_ROW_INVALID', `数据行无效：${why}`, `Invalid row: ${whyEn}`, 'body/rows'),
  badFilter: (field: string) => new AppError(400, 'RESOURCE_FILTER_INVALID', `不能按该数据项筛选：${field}`, `Cannot filter on this field: ${field}`, 'query/filter'),
  retired: () => errors.conflict('RESOURCE_RETIRED', '资源已停用', 'The resource is retired'),
};
