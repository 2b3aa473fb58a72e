import { AppError, errors } from '../../shared/errors';
import type { Finding } from './catalog.schemas';

export const catalogErrors = {
  itemNotFound: () => errors.notFound('Service item', '事项'),
  bundleNotFound: () => errors.notFound('Bundle', '一件事'),
  versionNotFound: () => errors.notFound('Published version', '已发布版本'),
  unknownDepartment: (field: string) => new AppError(400, 'DEPARTMENT_UNKNOWN', '部门不存在', 'Unknown department', field),
  unknownTheme: (field: string, code: string) => new AppError(400, 'THEME_UNKNOWN', `主题不存在：${code}`, `Unknown theme: ${code}`, field),
  unknownItem: (field: string) => new AppError(400, 'ITEM_UNKNOWN', '事项不存在', 'Unknown service item', field),
  formInvalid: (field: string, why: string) =>
    new AppError(400, 'FORM_SCHEMA_INVALID', `申请表单不是有效的 JSON Schema：${why}`, `The application form is not a valid JSON Schema: ${why}`, field),
  /** A rule of the linter that even a draft may not break. */
  ruleBroken: (f: Finding, prefix: string, all: Finding[]) =>
    new AppError(400, f.rule, f.message.zh, f.message.en, f.field ? `${prefix}/${f.field}` : prefix, { findings: all }),
  lintErrors: (findings: Finding[]) =>
    new AppError(422, 'CATALOG_LINT_ERRORS', `存在 ${findings.filter((f) => f.severity === 'error').length} 个错误，不能发布：${findings.find((f) => f.severity === 'error')!.message.zh}`,
      `${findings.filter((f) => f.severity === 'error').length} error(s) block publishing: ${findings.find((f) => f.severity === 'error')!.message.en}`, undefined, { findings }),
  nothingToPublish: () => errors.conflict('CATALOG_NO_DRAFT', '没有待发布的草稿', 'There is no draft to publish'),
  noDraft: () => errors.conflict('CATALOG_NO_DRAFT', '没有草稿', 'There is no draft'),
  neverPublished: () => errors.conflict('CATALOG_NEVER_PUBLISHED', '尚未发布过，草稿不能丢弃（可直接修改）', 'Never published: the draft cannot be discarded (edit it instead)'),
  alreadyRetired: () => errors.conflict('CATALOG_ALREADY_RETIRED', '已废止', 'Already retired'),
  notPublished: () => errors.conflict('CATALOG_NOT_PUBLISHED', '尚未发布，无需废止', 'Not published; nothing to retire'),
  inBundle: (names: string[]) =>
    errors.conflict('ITEM_IN_BUNDLE', `该事项属于已发布的一件事（${names.join('、')}），请先调整一件事`, `The item belongs to published bundles (${names.join(', ')}); change them first`),
  codeTaken: (code: string) => errors.conflict('IMPLEMENTATION_CODE_TAKEN', `实施编码已存在：${code}`, `The implementation code is taken: ${code}`, 'body/handlingItem'),
  bundleCodeTaken: () => errors.conflict('BUNDLE_CODE_TAKEN', '一件事编码已存在', 'The bundle code is taken', 'body/code'),
  notYourDepartment: () => new AppError(403, 'CATALOG_NOT_YOUR_DEPARTMENT', '只能管理本部门的事项', "You may manage only your own department's catalog entries"),
  outsideNode: (field: string) => new AppError(400, 'REGION_OUTSIDE_NODE', '行政区划不属于本节点', 'The region is not served by this node', field),
  regionUnknown: (field: string) => new AppError(400, 'REGION_UNKNOWN', '行政区划代码不存在（GB/T 2260）', 'Unknown region code (GB/T 2260)', field),
  // packages
  packageTooLarge: (bytes: number, max: number) =>
    new AppError(413, 'PACKAGE_TOO_LARGE', `事项包过大（${bytes} 字节，上限 ${max} 字节）`, `The package is too large (${bytes} bytes, limit ${max})`, 'body/package'),
  packageTooManyEntries: () => new AppError(413, 'PACKAGE_TOO_LARGE', '事项包包含的事项或一件事过多', 'The package has too many items or bundles', 'body/package'),
  packageFormat: (why: string) => new AppError(400, 'PACKAGE_FORMAT_INVALID', `事项包格式不正确：${why}`, `The package format is invalid: ${why}`, 'body/package'),
  packageSignature: (why: string) => new AppError(400, 'PACKAGE_SIGNATURE_INVALID', `事项包签名无效，可能被篡改：${why}`, `The package signature is invalid (tampered?): ${why}`, 'body/package/signature'),
  packageUntrusted: (keyId: string) => new AppError(400, 'PACKAGE_SIGNER_UNTRUSTED', `事项包签名密钥不在信任列表中：${keyId}`, `The package was signed by an untrusted key: ${keyId}`, 'body/package/signature/keyId'),
  packageDepartmentUnmapped: (code: string) =>
    new AppError(400, 'PACKAGE_DEPARTMENT_UNMAPPED', `事项包中的部门 ${code} 未映射到本地部门`, `Department ${code} of the package is not mapped to a department here`, `body/departmentMap/${code}`),
  packageEntryInvalid: (ref: string, e: AppError) =>
    new AppError(e.status, e.code, `事项包条目 ${ref}：${e.zh}`, `Package entry ${ref}: ${e.en}`, e.field?.replace(/^body/, `body/package/${ref}`), e.extra),
  emptyExport: () => errors.invalid('PACKAGE_EMPTY', 'body/items', '请选择要导出的事项或一件事', 'Choose items or bundles to export'),
};
