/**
 * A small form renderer driven by the catalog's JSON Schema (draft-07) and its annotations:
 * x-question (the plain-language question shown as the label), x-order (display order),
 * x-widget (radio | select | textarea | date …), x-placeholder, x-material (a material
 * uploaded as a file). Validation rules come from the schema (required, pattern, lengths,
 * ranges, enum, format) with messages in the UI language; the server checks again.
 */
import { useState } from 'react';
import { Button, Checkbox, Form, Input, InputNumber, Radio, Select, type FormInstance } from 'antd';
import { PaperClipOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { Rule } from 'antd/es/form';
import { ApiError } from '../../api';
import { useSession } from '../../auth';
import { usePrefs } from '../../prefs';
import { orderedFields, type JsonSchema } from './model';

const FILE_URL = /\/api\/files\/([0-9a-f-]{36})/i;

/** The file id inside a material field's value (the download URL of the uploaded file). */
export function fileIdOf(value: unknown): string | null {
  return typeof value === 'string' ? (FILE_URL.exec(value)?.[1] ?? null) : null;
}

interface UploadedFile {
  id: string;
  originalName?: string;
  filename?: string;
  size?: number;
}

/** Upload one material to the files API (content-checked there: PDF, JPEG, PNG, OFD). */
export async function uploadFile(file: File, csrf: string | null): Promise<UploadedFile> {
  const body = new FormData();
  body.append('file', file, file.name);
  const res = await fetch('/api/files', { method: 'POST', body, credentials: 'same-origin', headers: csrf ? { 'X-CSRF-Token': csrf, Accept: 'application/json' } : { Accept: 'application/json' } });
  if (!res.ok) {
    let b: { code?: string; message?: { zh: string; en: string } } = {};
    try {
      b = await res.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, b.code ?? `HTTP_${res.status}`, b.message ?? { zh: `上传失败（${res.status}）`, en: `Upload failed (${res.status})` });
  }
  return (await res.json()) as UploadedFile;
}

/** A material's file field: choose a file, it is uploaded at once, the field holds its URL. */
export function FileField({ value, onChange, id, label }: { value?: string; onChange?: (v: string | undefined) => void; id?: string; label: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inputId = `${id ?? 'file'}-input`;
  return (
    <div className="ya-row" id={id}>
      <input
        id={inputId}
        type="file"
        accept=".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"
        aria-label={t('appl.form.uploadFor', { name: label })}
        style={{ position: 'absolute', width: 1, height: 1, opacity: 0, overflow: 'hidden' }}
        data-testid={`file-${id ?? 'file'}`}
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          setBusy(true);
          setError(null);
          try {
            const up = await uploadFile(f, me?.csrfToken ?? null);
            setName(up.originalName ?? up.filename ?? f.name);
            onChange?.(`${window.location.origin}/api/files/${up.id}`);
          } catch (err) {
            setError(err instanceof ApiError ? err.text(lang) : t('error.generic'));
          } finally {
            setBusy(false);
          }
        }}
      />
      <Button icon={<UploadOutlined aria-hidden="true" />} loading={busy} onClick={() => document.getElementById(inputId)?.click()}>
        {value ? t('appl.form.replaceFile') : t('appl.form.chooseFile')}
      </Button>
      {value ? (
        <a href={value.replace(/^https?:\/\/[^/]+/, '')} target="_blank" rel="noreferrer">
          <PaperClipOutlined aria-hidden="true" /> {name ?? t('appl.form.uploaded')}
        </a>
      ) : (
        <span className="ya-meta">{t('appl.form.fileTypes')}</span>
      )}
      {error ? (
        <span role="alert" style={{ color: '#b3261e' }}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

function typeOf(s: JsonSchema): string {
  const ty = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  return ty ?? (s.enum ? 'string' : 'string');
}

function rulesFor(name: string, s: JsonSchema, required: boolean, label: string, t: (k: string, o?: Record<string, unknown>) => string): Rule[] {
  const rules: Rule[] = [];
  const ty = typeOf(s);
  if (required) {
    rules.push(ty === 'boolean' ? { validator: (_, v) => (v === true || v === false ? Promise.resolve() : Promise.reject(new Error(t('appl.v.required', { label })))) } : { required: true, message: t('appl.v.required', { label }) });
  }
  if (ty === 'string') {
    if (s.minLength !== undefined) rules.push({ min: s.minLength, message: t('appl.v.minLength', { label, n: s.minLength }) });
    if (s.maxLength !== undefined) rules.push({ max: s.maxLength, message: t('appl.v.maxLength', { label, n: s.maxLength }) });
    if (s.pattern) {
      let re: RegExp | null = null;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = null;
      }
      if (re) rules.push({ pattern: re, message: t(`appl.v.pattern.${name}`, { label, defaultValue: t('appl.v.pattern.default', { label }) }) });
    }
    if (s.format === 'date') rules.push({ pattern: /^\d{4}-\d{2}-\d{2}$/, message: t('appl.v.date', { label }) });
    if (s.format === 'email') rules.push({ type: 'email', message: t('appl.v.email', { label }) });
  }
  if (ty === 'number' || ty === 'integer') {
    if (s.minimum !== undefined) rules.push({ type: 'number', min: s.minimum, message: t('appl.v.minimum', { label, n: s.minimum }) });
    if (s.maximum !== undefined) rules.push({ type: 'number', max: s.maximum, message: t('appl.v.maximum', { label, n: s.maximum }) });
  }
  return rules;
}

export interface SchemaFormProps {
  schema: JsonSchema;
  form: FormInstance;
  initialValues?: Record<string, unknown>;
  /** Only these fields (a supplement asks exactly what was asked). */
  only?: string[];
  /** Every field of `only` is required (a supplement must answer what was asked). */
  requireOnly?: boolean;
  /** Fields not shown (e.g. material file fields rendered in the materials step). */
  hideMaterials?: boolean;
  onValuesChange?: (changed: Record<string, unknown>, all: Record<string, unknown>) => void;
  disabled?: boolean;
  /** A reason per field shown as help (the supplement request's reasons). */
  reasons?: Record<string, string>;
}

export function SchemaForm({ schema, form, initialValues, only, requireOnly, hideMaterials, onValuesChange, disabled, reasons }: SchemaFormProps) {
  const { t } = useTranslation();
  const { elder } = usePrefs();
  const required = new Set(schema.required ?? []);
  let fields = orderedFields(schema);
  if (only) fields = fields.filter(([k]) => only.includes(k));
  if (hideMaterials) fields = fields.filter(([, s]) => !s['x-material']);
  return (
    <Form form={form} layout="vertical" initialValues={initialValues} onValuesChange={onValuesChange} disabled={disabled} requiredMark scrollToFirstError data-testid="schema-form">
      {fields.map(([name, s]) => {
        const label = s.title ?? name;
        const question = s['x-question'];
        const ty = typeOf(s);
        const widget = s['x-widget'];
        const rules = rulesFor(name, s, required.has(name) || (!!requireOnly && !!only?.includes(name)), label, t);
        const help = reasons?.[name] ?? s.description;
        const common = { name, label: question ?? label, rules, extra: help, 'data-field': name } as const;
        if (s['x-material']) {
          return (
            <Form.Item key={name} {...common}>
              <FileField label={label} />
            </Form.Item>
          );
        }
        if (s.enum) {
          const options = s.enum.map((v) => ({ value: v as string, label: String(v) }));
          const asRadio = widget === 'radio' || (widget !== 'select' && options.length <= 4);
          return (
            <Form.Item key={name} {...common}>
              {asRadio ? (
                <Radio.Group optionType={elder ? 'button' : 'default'} buttonStyle="solid" options={options} />
              ) : (
                <Select options={options} placeholder={s['x-placeholder'] ?? t('appl.form.choose')} aria-label={label} />
              )}
            </Form.Item>
          );
        }
        if (ty === 'boolean') {
          return (
            <Form.Item key={name} {...common} valuePropName="checked" label={undefined}>
              <Checkbox>{question ?? label}</Checkbox>
            </Form.Item>
          );
        }
        if (ty === 'number' || ty === 'integer') {
          return (
            <Form.Item key={name} {...common}>
              <InputNumber style={{ width: '100%', maxWidth: 320 }} min={s.minimum} max={s.maximum} precision={ty === 'integer' ? 0 : undefined} placeholder={s['x-placeholder']} />
            </Form.Item>
          );
        }
        if (widget === 'textarea' || (s.maxLength ?? 0) > 200) {
          return (
            <Form.Item key={name} {...common}>
              <Input.TextArea rows={3} maxLength={s.maxLength} showCount={!!s.maxLength} placeholder={s['x-placeholder']} />
            </Form.Item>
          );
        }
        return (
          <Form.Item key={name} {...common}>
            <Input
              type={s.format === 'date' || widget === 'date' ? 'date' : s.format === 'email' ? 'email' : 'text'}
              inputMode={/mobile|phone|tel/i.test(name) ? 'tel' : undefined}
              autoComplete={name === 'mobile' ? 'tel' : name === 'applicantName' ? 'name' : 'off'}
              maxLength={s.maxLength}
              placeholder={s['x-placeholder']}
              style={{ maxWidth: s.format === 'date' ? 240 : 560 }}
            />
          </Form.Item>
        );
      })}
    </Form>
  );
}

/** Puts the server's FORM_INVALID problems (body/formData/<field>) on the form's fields. */
export function applyServerErrors(form: FormInstance, error: unknown, lang: string): boolean {
  if (!(error instanceof ApiError) || error.code !== 'FORM_INVALID') return false;
  const list = ((error.body as { errors?: { field: string; zh: string; en: string }[] })?.errors ?? []).map((e) => ({
    name: e.field.replace(/^body\/formData\/?/, '').split('/')[0],
    errors: [lang.startsWith('zh') ? e.zh : e.en],
  }));
  const known = list.filter((e) => e.name);
  if (known.length) form.setFields(known);
  return known.length > 0;
}

/** Form values cleaned for the API: empty strings dropped, numbers kept. */
export function cleanValues(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
