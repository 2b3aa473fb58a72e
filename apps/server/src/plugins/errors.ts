/**
 * One error handler for the whole API: every failure leaves as application/problem+json with a
 * stable `code`, a message in Chinese and English, and the offending field where there is one.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  message: { zh: string; en: string };
  field?: string;
  errors?: { field: string; zh: string; en: string }[];
  instance?: string;
  requestId?: string;
  [k: string]: unknown;
}

export function problem(status: number, code: string, zh: string, en: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `https://yiwang.gov.cn/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: en,
    status,
    code,
    detail: `${zh} / ${en}`,
    message: { zh, en },
    ...extra,
  };
}

// ajv keyword → bilingual text; the field comes from instancePath / params.
function describeValidation(e: { keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }, part: string) {
  const base = e.instancePath || '';
  switch (e.keyword) {
    case 'required':
      return { field: `${part}${base}/${String(e.params.missingProperty)}`, zh: '缺少必填字段', en: 'required field is missing' };
    case 'additionalProperties':
      return { field: `${part}${base}/${String(e.params.additionalProperty)}`, zh: '不允许的字段', en: 'unknown field is not allowed' };
    case 'type':
      return { field: `${part}${base}`, zh: `类型错误，应为 ${String(e.params.type)}`, en: `must be of type ${String(e.params.type)}` };
    case 'maxLength':
    case 'minLength':
    case 'maximum':
    case 'minimum':
    case 'maxItems':
    case 'minItems':
      return { field: `${part}${base}`, zh: `超出允许范围（${e.message ?? e.keyword}）`, en: e.message ?? e.keyword };
    case 'pattern':
    case 'format':
      return { field: `${part}${base}`, zh: '格式不正确', en: `invalid format (${e.message ?? e.keyword})` };
    case 'enum':
    case 'const':
    case 'anyOf':
      return { field: `${part}${base}`, zh: '取值不在允许范围内', en: 'value is not one of the allowed values' };
    default:
      return { field: `${part}${base}`, zh: '取值无效', en: e.message ?? 'invalid value' };
  }
}

export default fp(async function errorsPlugin(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    let body: Problem;
    if (err instanceof AppError) {
      body = problem(err.status, err.code, err.zh, err.en, { ...(err.field ? { field: err.field } : {}), ...err.extra });
    } else if ('validation' in err && err.validation) {
      const part = (err as FastifyError).validationContext ?? 'body';
      const list = err.validation.map((v) => describeValidation(v as never, part));
      const first = list[0];
      body = problem(400, 'VALIDATION_FAILED', `请求参数有误：${first.field} ${first.zh}`, `Invalid request: ${first.field} ${first.en}`, {
        field: first.field,
        errors: list,
      });
    } else {
      const fe = err as FastifyError;
      switch (fe.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          body = problem(400, 'MALFORMED_JSON', '请求体不是合法的 JSON', 'The request body is not valid JSON', { field: 'body' });
          break;
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          body = problem(413, 'PAYLOAD_TOO_LARGE', '请求体过大', 'The request body is too large', { field: 'body' });
          break;
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          body = problem(415, 'UNSUPPORTED_MEDIA_TYPE', '不支持的内容类型', 'Unsupported content type', { field: 'header/content-type' });
          break;
        case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
          body = problem(400, 'INVALID_CONTENT_LENGTH', '内容长度与请求体不符', 'Content-Length does not match the body', { field: 'header/content-length' });
          break;
        default:
          if (fe.statusCode === 429) {
            body = problem(429, 'RATE_LIMITED', '请求过于频繁，请稍后再试', 'Too many requests; try again later');
          } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
            body = problem(fe.statusCode, fe.code ?? 'BAD_REQUEST', '请求无效', fe.message);
          } else {
            req.log.error({ err }, 'unhandled error');
            body = problem(500, 'INTERNAL_ERROR', '服务器内部错误，请稍后再试', 'Internal server error; please try again later');
          }
      }
    }
    body.instance = req.url.split('?')[0];
    body.requestId = req.id;
    void reply.status(body.status).type('application/problem+json; charset=utf-8').send(body);
  });
});
