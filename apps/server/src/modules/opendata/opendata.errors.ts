import { AppError, errors } from '../../shared/errors';
import type { PersonalFinding } from './opendata.personal';

export const openDataErrors = {
  datasetNotFound: () => errors.notFound('Dataset', '数据集'),
  resourceNotFound: () => new AppError(404, 'RESOURCE_NOT_FOUND', '数据资源不存在', 'Data resource not found', 'body/resourceId'),
  notOpenable: (openClass: string) =>
    new AppError(409, 'RESOURCE_NOT_OPENABLE', `该资源的开放属性为“${openClass === 'none' ? '不予开放' : openClass}”，不能开放`, `The resource's open class (${openClass}) does not allow opening it`, 'body/resourceId'),
  accessLevelNotAllowed: () =>
    new AppError(409, 'ACCESS_LEVEL_NOT_ALLOWED', '有条件开放的资源只能以“有条件开放”方式发布', 'A resource open only under conditions must be published as conditional', 'body/accessLevel'),
  alreadyPublished: () => errors.conflict('DATASET_ALREADY_PUBLISHED', '该资源已开放为数据集', 'This resource is already published as a dataset', 'body/resourceId'),
  personalData: (findings: PersonalFinding[]) =>
    new AppError(
      422,
      'PERSONAL_DATA_DETECTED',
      `检测到个人信息，不能开放：${findings.map((f) => `${f.column}（${{ id_number: '身份证号码', mobile: '手机号码', person_name: '姓名', person_subject: '以个人为主体的数据' }[f.kind]}）`).join('、')}`,
      `Personal data detected, nothing published: ${findings.map((f) => `${f.column} (${f.kind}, by ${f.by})`).join(', ')}`,
      'body/fields',
      { findings },
    ),
  unknownField: (name: string) => errors.invalid('FIELD_UNKNOWN', 'body/fields', `数据项 ${name} 不存在`, `No field ${name} in the resource`),
  unknownLicence: () => errors.invalid('LICENCE_UNKNOWN', 'body/licence', '许可协议不在可选范围内', 'Unknown licence'),
  unknownTheme: (t: string) => errors.invalid('THEME_UNKNOWN', 'body/themes', `主题 ${t} 不存在`, `Unknown theme ${t}`),
  signInRequired: () => new AppError(401, 'DATASET_SIGN_IN_REQUIRED', '该数据集需登录后使用', 'Sign in to use this dataset'),
  approvalRequired: () =>
    new AppError(403, 'ACCESS_APPROVAL_REQUIRED', '该数据集为有条件开放，须申请并经数据提供部门同意后使用', 'This dataset is open under conditions: apply and wait for the provider’s approval'),
  termsNotAccepted: () => errors.invalid('TERMS_NOT_ACCEPTED', 'body/acceptTerms', '请阅读并同意数据使用协议', 'Accept the terms of use'),
  notConditional: () => errors.conflict('NOT_CONDITIONAL', '该数据集无需申请', 'This dataset needs no application', 'params/id'),
  alreadyApplied: () => errors.conflict('ACCESS_ALREADY_REQUESTED', '您已申请过该数据集（待审核或已同意）', 'You already applied for this dataset (pending or approved)'),
  grantNotFound: () => errors.notFound('Access application', '使用申请'),
  grantDecided: () => errors.conflict('ACCESS_ALREADY_DECIDED', '该申请已处理', 'This application was already decided'),
  requestNotFound: () => errors.notFound('Data request', '数据需求'),
  requestClosed: () => errors.conflict('DATA_REQUEST_CLOSED', '该数据需求已关闭', 'This data request is closed'),
  notYours: () => errors.forbidden('只能处理本部门的数据', 'Only the owning department may do this'),
  badFormat: () => errors.invalid('FORMAT_UNKNOWN', 'params/format', '不支持的格式', 'Unknown format'),
  datastore: (field: string, message: string) => new AppError(400, 'DATASTORE_QUERY_INVALID', `查询参数有误：${message}`, message, `querystring/${field}`),
  badQuery: (message: string) => new AppError(400, 'SEARCH_QUERY_INVALID', `检索式有误：${message}`, `Invalid search query: ${message}`, 'querystring/fq'),
  rateLimited: (retryAfter: number) => new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retryAfter} 秒后再试`, `Too many requests; retry in ${retryAfter} s`),
};
