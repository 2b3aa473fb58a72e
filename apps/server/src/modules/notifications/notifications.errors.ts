import { AppError } from '../../shared/errors';

export const notificationErrors = {
  // Programming errors of a calling module: they abort its transaction (500, never shown as the user's fault).
  templateUnknown: (code: string) =>
    new AppError(500, 'NOTIFICATION_TEMPLATE_UNKNOWN', `通知模板不存在：${code}`, `Unknown notification template: ${code}`),
  paramsMissing: (code: string, names: string[]) =>
    new AppError(500, 'NOTIFICATION_PARAMS_MISSING', `通知模板 ${code} 缺少参数：${names.join('、')}`, `Notification template ${code} lacks parameters: ${names.join(', ')}`, undefined, {
      missing: names,
    }),
  paramsUndeclared: (code: string, names: string[]) =>
    new AppError(500, 'NOTIFICATION_PARAMS_UNDECLARED', `通知模板 ${code} 未声明参数：${names.join('、')}`, `Notification template ${code} does not declare: ${names.join(', ')}`, undefined, {
      undeclared: names,
    }),
  // The administrator's edit.
  placeholderUndeclared: (field: string, names: string[], declared: string[]) =>
    new AppError(
      400,
      'TEMPLATE_PLACEHOLDER_UNKNOWN',
      `模板使用了未声明的占位符：${names.map((n) => `{{${n}}}`).join('、')}；可用：${declared.map((n) => `{{${n}}}`).join('、')}`,
      `The text uses undeclared placeholders: ${names.map((n) => `{{${n}}}`).join(', ')}; available: ${declared.map((n) => `{{${n}}}`).join(', ')}`,
      field,
      { undeclared: names, available: declared },
    ),
  versionConflict: (current: number) =>
    new AppError(409, 'TEMPLATE_VERSION_CONFLICT', `模板已被他人修改（当前版本 ${current}），请刷新后重试`, `The template was changed meanwhile (now version ${current}); reload and try again`, 'body/version', {
      currentVersion: current,
    }),
  templateNotFound: () => new AppError(404, 'NOT_FOUND', '通知模板不存在', 'Notification template not found', 'params/code'),
  notificationNotFound: () => new AppError(404, 'NOT_FOUND', '通知不存在', 'Notification not found', 'params/id'),
};
