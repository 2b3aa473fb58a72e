/**
 * The one way the web app talks to the server: same origin, cookies, JSON in and out.
 * Mutating requests carry the CSRF token the server handed out with the session, and every
 * error (RFC 9457 application/problem+json: { status, code, message: { zh, en }, field? })
 * becomes an ApiError that pages can show in the current language.
 */

export interface LocalizedText {
  zh: string;
  en: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messages: LocalizedText;
  readonly field?: string;
  readonly body: unknown;

  constructor(status: number, code: string, messages: LocalizedText, field?: string, body?: unknown) {
    super(`${code}: ${messages.en}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.messages = messages;
    this.field = field;
    this.body = body;
  }

  /** The message in the given UI language ('zh-CN' or 'en'). */
  text(lang: string): string {
    return lang.startsWith('zh') ? this.messages.zh : this.messages.en;
  }
}

/** Codes the client produces itself, for failures that never reached the server's error handler. */
export const NETWORK_ERROR = 'NETWORK_ERROR';
export const UNEXPECTED_RESPONSE = 'UNEXPECTED_RESPONSE';

let csrfToken: string | null = null;
type UnauthorizedListener = (error: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Remember the CSRF token from a /me or sign-in response (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request comes back 401, so the session state can be cleared. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Do not notify the unauthorized listeners on 401 (used by the session probe and sign-in). */
  quiet401?: boolean;
}

function isLocalized(v: unknown): v is LocalizedText {
  return typeof v === 'object' && v !== null && typeof (v as LocalizedText).zh === 'string' && typeof (v as LocalizedText).en === 'string';
}

async function toError(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  let body: unknown = undefined;
  if (type.includes('json')) {
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
  }
  if (typeof body === 'object' && body !== null) {
    const b = body as { code?: unknown; message?: unknown; field?: unknown; title?: unknown; detail?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${res.status}`;
    let messages: LocalizedText;
    if (isLocalized(b.message)) messages = b.message;
    else if (typeof b.message === 'string') messages = { zh: b.message, en: b.message };
    else if (typeof b.detail === 'string') messages = { zh: b.detail, en: b.detail };
    else messages = fallbackMessage(res.status);
    return new ApiError(res.status, code, messages, typeof b.field === 'string' ? b.field : undefined, body);
  }
  return new ApiError(res.status, res.status >= 500 ? `HTTP_${res.status}` : UNEXPECTED_RESPONSE, fallbackMessage(res.status));
}

function fallbackMessage(status: number): LocalizedText {
  if (status === 401) return { zh: '请先登录', en: 'Sign-in required' };
  if (status === 403) return { zh: '无权执行此操作', en: 'You are not allowed to do this' };
  if (status === 404) return { zh: '请求的内容不存在', en: 'Not found' };
  if (status === 429) return { zh: '请求过于频繁，请稍后再试', en: 'Too many requests; please try again later' };
  if (status >= 500) return { zh: '服务暂时不可用，请稍后再试', en: 'The service is temporarily unavailable; please try again later' };
  return { zh: `请求失败（${status}）`, en: `Request failed (${status})` };
}

/** Fetch JSON from the API. Resolves with the parsed body (undefined for 204), rejects with ApiError. */
export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? (options.body === undefined ? 'GET' : 'POST')).toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (MUTATING.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, NETWORK_ERROR, { zh: '无法连接服务器，请检查网络后重试', en: 'Cannot reach the server; check your connection and try again' });
  }

  if (!res.ok) {
    const error = await toError(res);
    if (res.status === 401 && !options.quiet401) unauthorizedListeners.forEach((l) => l(error));
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    // e.g. the SPA's index.html answering an API path that does not exist yet
    throw new ApiError(res.status, UNEXPECTED_RESPONSE, { zh: '服务器返回了无法识别的内容', en: 'The server returned an unexpected response' });
  }
  return (await res.json()) as T;
}

export const get = <T>(path: string, options?: RequestOptions) => api<T>(path, { ...options, method: 'GET' });
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) => api<T>(path, { ...options, method: 'POST', body });
export const put = <T>(path: string, body?: unknown, options?: RequestOptions) => api<T>(path, { ...options, method: 'PUT', body });
export const patch = <T>(path: string, body?: unknown, options?: RequestOptions) => api<T>(path, { ...options, method: 'PATCH', body });
export const del = <T>(path: string, options?: RequestOptions) => api<T>(path, { ...options, method: 'DELETE' });
