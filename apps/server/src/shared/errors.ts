/**
 * Stable, bilingual application errors. A service throws `AppError`; the error handler turns it
 * into RFC 9457 application/problem+json. Codes never change once published; messages may.
 */
export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `/idNumber` or `query/limit`. */
  field: string;
  zh: string;
  en: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly zh: string,
    readonly en: string,
    readonly field?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${en}`);
    this.name = 'AppError';
  }
}

// Common errors, shared by all modules. Module-specific ones live in <module>.errors.ts.
export const errors = {
  unauthenticated: () => new AppError(401, 'UNAUTHENTICATED', '请先登录', 'Sign-in required'),
  sessionExpired: () => new AppError(401, 'SESSION_EXPIRED', '登录已过期，请重新登录', 'Your session has expired; please sign in again'),
  forbidden: (zh = '无权执行此操作', en = 'You are not allowed to do this') => new AppError(403, 'FORBIDDEN', zh, en),
  /** The route's access rule excludes every role of the actor (distinct from a data-scope refusal inside a service). */
  roleNotAllowed: () => new AppError(403, 'ROLE_NOT_ALLOWED', '您的角色无权使用此功能', 'Your role may not use this function'),
  csrf: () => new AppError(403, 'CSRF_TOKEN_INVALID', '请求校验失败（CSRF），请刷新页面后重试', 'Request check failed (CSRF); reload the page and try again', 'header/x-csrf-token'),
  notFound: (what: string, whatZh: string) => new AppError(404, 'NOT_FOUND', `${whatZh}不存在`, `${what} not found`),
  conflict: (code: string, zh: string, en: string, field?: string) => new AppError(409, code, zh, en, field),
  invalid: (code: string, field: string, zh: string, en: string) => new AppError(400, code, zh, en, field),
};
