/**
 * Template texts are data: `{{name}}` placeholders filled from the caller's params. Rendering
 * refuses a missing or undeclared parameter (a programming error in the calling module, caught in
 * its own transaction, so nothing half-sent), and an edited text may use only declared parameters,
 * so that a region's edit cannot break the modules that send it.
 */
import type { NotificationLocale, NotificationTemplatesTable, RenderedNotification } from '../../db/types';
import { notificationErrors } from './notifications.errors';

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;
/** A parameter value longer than this is cut: an SMS or a title is no place for an essay. */
const MAX_PARAM_CHARS = 500;

export type TemplateRow = Pick<NotificationTemplatesTable, 'code' | 'title_zh' | 'body_zh' | 'sms_zh' | 'title_en' | 'body_en' | 'sms_en'> & {
  params: string[];
  version: number;
};

export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** The placeholders of `texts` that are not declared parameters of the template. */
export function undeclaredPlaceholders(texts: string[], declared: string[]): string[] {
  return [...new Set(texts.flatMap(placeholdersOf))].filter((p) => !declared.includes(p));
}

function fill(text: string, params: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => params[name]);
}

/** Both languages at once: the inbox shows the reader's, SMS and e-mail use the recipient's preference. */
/** Parameter values as text; null and undefined count as not supplied. */
export function paramText(raw: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== null) params[k] = String(v).slice(0, MAX_PARAM_CHARS);
  return params;
}

export function render(t: TemplateRow, raw: Record<string, unknown>): Record<NotificationLocale, RenderedNotification> {
  const params = paramText(raw);
  const supplied = Object.keys(params);
  const undeclared = supplied.filter((p) => !t.params.includes(p));
  if (undeclared.length) throw notificationErrors.paramsUndeclared(t.code, undeclared);
  const texts = [t.title_zh, t.body_zh, t.sms_zh, t.title_en, t.body_en, t.sms_en];
  const missing = [...new Set([...t.params, ...texts.flatMap(placeholdersOf)])].filter((p) => !(p in params));
  if (missing.length) throw notificationErrors.paramsMissing(t.code, missing);
  return {
    zh: { title: fill(t.title_zh, params), body: fill(t.body_zh, params), sms: fill(t.sms_zh, params) },
    en: { title: fill(t.title_en, params), body: fill(t.body_en, params), sms: fill(t.sms_en, params) },
  };
}
