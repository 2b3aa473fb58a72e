/**
 * Application forms are JSON Schema (draft-07), so that the portal renders them and the
 * applications module validates submissions with the same ajv. Here: checking that a form IS a
 * valid JSON Schema (meta-schema plus compilation in strict mode, so a typo such as
 * "type": "strnig" or an unknown keyword is caught), and listing its fields.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/** Annotations the catalog adds to JSON Schema (ignored by validators, read by pages and rules). */
export const FORM_KEYWORDS = ['x-material', 'x-question', 'x-order', 'x-widget', 'x-placeholder'];

let ajv: Ajv | undefined;
function compiler(): Ajv {
  if (!ajv) {
    ajv = addFormats(new Ajv({ strict: true, allErrors: false, validateSchema: true, strictRequired: false, allowUnionTypes: true }));
    ajv.addVocabulary(FORM_KEYWORDS);
  }
  return ajv;
}

export type FormProblem = { path: string; message: string };

const KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'definitions',
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'items', 'additionalItems', 'maxItems', 'minItems', 'uniqueItems', 'contains', 'maxProperties', 'minProperties', 'required', 'properties',
  'patternProperties', 'additionalProperties', 'dependencies', 'propertyNames', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not', 'format',
  'contentMediaType', 'contentEncoding', ...FORM_KEYWORDS,
]);
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];
const SCHEMA_ONE = ['additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'if', 'then', 'else', 'not'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];

/**
 * What ajv's strict mode would refuse, found by walking the schema rather than compiling it
 * (compiling costs ~10 ms a form): unknown keywords (a typo such as "maxLenght" silently
 * validates nothing) and unknown formats.
 */
function strictProblem(schema: unknown, path: string, formats: Set<string>): FormProblem | null {
  if (typeof schema === 'boolean' || !schema || typeof schema !== 'object') return null;
  const s = schema as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!KEYWORDS.has(k)) return { path: `${path}/${k}`, message: `unknown keyword "${k}"` };
  if (typeof s.format === 'string' && !formats.has(s.format)) return { path: `${path}/format`, message: `unknown format "${s.format}"` };
  const sub = (x: unknown, p: string) => strictProblem(x, p, formats);
  for (const m of SCHEMA_MAPS) if (s[m] && typeof s[m] === 'object') for (const [k, v] of Object.entries(s[m] as object)) { const r = sub(v, `${path}/${m}/${k}`); if (r) return r; }
  for (const k of SCHEMA_ONE) if (k in s) { const r = sub(s[k], `${path}/${k}`); if (r) return r; }
  for (const k of SCHEMA_LISTS) if (Array.isArray(s[k])) for (const [i, v] of (s[k] as unknown[]).entries()) { const r = sub(v, `${path}/${k}/${i}`); if (r) return r; }
  if (Array.isArray(s.items)) for (const [i, v] of s.items.entries()) { const r = sub(v, `${path}/items/${i}`); if (r) return r; }
  else if ('items' in s) { const r = sub(s.items, `${path}/items`); if (r) return r; }
  if (s.dependencies && typeof s.dependencies === 'object')
    for (const [k, v] of Object.entries(s.dependencies as object)) if (!Array.isArray(v)) { const r = sub(v, `${path}/dependencies/${k}`); if (r) return r; }
  return null;
}

/** Null when the form is a usable JSON Schema object; otherwise the first problem. */
export function checkFormSchema(form: unknown): FormProblem | null {
  if (!form || typeof form !== 'object' || Array.isArray(form)) return { path: '', message: 'must be a JSON Schema object' };
  const f = form as Record<string, unknown>;
  if (f.type !== 'object' || !f.properties || typeof f.properties !== 'object') return { path: '', message: 'the form must be "type": "object" with "properties"' };
  if (JSON.stringify(form).length > 200_000) return { path: '', message: 'the form is larger than 200 kB' };
  const a = compiler();
  if (!a.validateSchema(form)) {
    const e = a.errors?.[0];
    return { path: e?.instancePath ?? '', message: e?.message ?? 'not a valid JSON Schema' };
  }
  return strictProblem(form, '', new Set(Object.keys(a.formats)));
}

/** Compiles a form for validating submissions (issue 4 uses it through the service). */
export function compileForm(form: Record<string, unknown>) {
  return compiler().compile(form);
}

export interface FormField {
  name: string;
  schema: Record<string, unknown>;
  required: boolean;
  title: string;
  material?: string;
}

/** Top-level fields of a form, or null when it has none. */
export function formFields(form: Record<string, unknown>): FormField[] | null {
  const props = form?.properties as Record<string, Record<string, unknown>> | undefined;
  if (form?.type !== 'object' || !props || typeof props !== 'object') return null;
  const required = new Set(Array.isArray(form.required) ? (form.required as string[]) : []);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    schema,
    required: required.has(name),
    title: typeof schema?.title === 'string' ? schema.title : name,
    ...(typeof schema?.['x-material'] === 'string' ? { material: schema['x-material'] as string } : {}),
  }));
}

/** Whether two field schemas ask the same question the same way (type, format, enum). */
export function compatibleFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const sig = (s: Record<string, unknown>) => JSON.stringify([s.type ?? null, s.format ?? null, s.enum ?? null, s.const ?? null, s['x-material'] ? 'file' : null]);
  return sig(a) === sig(b);
}
