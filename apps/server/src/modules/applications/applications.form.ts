/**
 * Validating form data against an item version's form (JSON Schema draft-07, ajv) at submission.
 * Compiled validators are cached per item version (versions are immutable). The catalog's own
 * annotations (x-material, x-question …) are known keywords, so strict schemas compile.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

const FORM_KEYWORDS = ['x-material', 'x-question', 'x-order', 'x-widget', 'x-placeholder'];

const ajv = addFormats(new Ajv({ strict: false, allErrors: true, allowUnionTypes: true }));
ajv.addVocabulary(FORM_KEYWORDS);

const cache = new Map<string, ValidateFunction>();
const CACHE_MAX = 1000;

export interface FormProblem {
  field: string;
  zh: string;
  en: string;
}

/** Compiles (once per key) and validates; returns the problems, or [] when the data is valid. */
export function validateForm(key: string, schema: Record<string, unknown>, data: unknown, prefix = 'body/formData'): FormProblem[] {
  let v = cache.get(key);
  if (!v) {
    v = ajv.compile(schema);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, v);
  }
  if (v(data)) return [];
  return (v.errors ?? []).slice(0, 20).map((e) => describe(e, prefix));
}

/** The same schema without some required fields (those a bundle fills from an earlier result). */
export function withoutRequired(schema: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  if (!fields.length || !Array.isArray(schema.required)) return schema;
  return { ...schema, required: (schema.required as string[]).filter((f) => !fields.includes(f)) };
}

function describe(e: ErrorObject, prefix: string): FormProblem {
  const base = `${prefix}${e.instancePath}`;
  switch (e.keyword) {
    case 'required':
      return { field: `${base}/${String(e.params.missingProperty)}`, zh: '必填项未填写', en: 'is required' };
    case 'type':
      return { field: base, zh: `类型错误，应为 ${String(e.params.type)}`, en: `must be of type ${String(e.params.type)}` };
    case 'enum':
    case 'const':
      return { field: base, zh: '取值不在可选范围内', en: 'is not one of the allowed values' };
    case 'pattern':
    case 'format':
      return { field: base, zh: '格式不正确', en: `has an invalid format (${e.message ?? e.keyword})` };
    case 'additionalProperties':
      return { field: `${base}/${String(e.params.additionalProperty)}`, zh: '表单中没有该字段', en: 'is not a field of this form' };
    default:
      return { field: base, zh: `取值无效（${e.message ?? e.keyword}）`, en: e.message ?? 'is invalid' };
  }
}
