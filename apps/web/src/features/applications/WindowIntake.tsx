/**
 * 代为录入 (window intake): the window clerk checks the person's identity document, finds the
 * service, fills in its form with them and submits on their behalf (POST /api/window/applications
 * with an Idempotency-Key kept until the server answers). The paper materials they bring are
 * scanned and attached here (the clerk's uploads; the applicant can download them from their
 * portal like their own). The application is the person's: it appears in their portal; the
 * queue below then lists it for acceptance.
 */
import { useRef, useState } from 'react';
import { Alert, Button, Card, Form, Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post } from '../../api';
import { ErrorAlert } from './common';
import { MaterialUploads } from './Materials';
import { cleanValues, SchemaForm } from './SchemaForm';
import { loadTarget, type Application, type ApplyTarget, type FileRef } from './model';

interface Hit {
  id: string;
  name: string;
  departmentName: string;
}

export function WindowIntakeForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [who] = Form.useForm();
  const [form] = Form.useForm();
  const [hits, setHits] = useState<Hit[]>([]);
  const [target, setTarget] = useState<(ApplyTarget & { id: string }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Application | null>(null);
  // Scans of the paper materials per material; 免提交 ones the source could not provide are asked for too.
  const [mats, setMats] = useState<Record<string, FileRef[]>>({});
  const [mustUpload, setMustUpload] = useState<string[]>([]);
  const key = useRef<string | null>(null);

  async function search(q: string) {
    const r = await get<{ items: Hit[] }>(`/api/catalog/search?${new URLSearchParams({ q, kind: 'item', object: 'natural_person', facets: 'false', limit: '20' })}`);
    setHits(r.items);
  }

  async function choose(id: string) {
    setError(null);
    try {
      setTarget({ ...(await loadTarget('item', id)), id });
      setMats({});
      setMustUpload([]);
      form.resetFields();
    } catch (e) {
      setError(e);
    }
  }

  async function submit() {
    setError(null);
    const person = await who.validateFields();
    const values = await form.validateFields();
    if (!target) return;
    key.current ??= crypto.randomUUID();
    setBusy(true);
    try {
      const a = await post<Application>(
        '/api/window/applications',
        {
          idNumber: String(person.idNumber).trim().toUpperCase(),
          name: String(person.name).trim(),
          itemId: target.id,
          formData: cleanValues(values),
          materials: Object.entries(mats)
            .filter(([, files]) => files.length)
            .map(([k, files]) => ({ key: k, fileIds: files.map((f) => f.id) })),
        },
        { headers: { 'Idempotency-Key': key.current } },
      );
      key.current = null;
      setDone(a);
      who.resetFields();
      form.resetFields();
      setTarget(null);
      setMats({});
      setMustUpload([]);
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'MATERIAL_UPLOAD_REQUIRED') {
        const k = (e.body as { material?: string })?.material;
        if (k) setMustUpload((p) => [...new Set([...p, k])]);
      }
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  // Materials handed in on paper: those not 免提交, and 免提交 ones the source could not provide.
  const uploadable = (target?.materials ?? []).filter((m) => !m.exempt || mustUpload.includes(m.key));

  return (
    <Card className="yw-card yw-block-sm" data-testid="window-intake">
      <h2 className="yw-card-title">{t('appl.intake.registerTitle')}</h2>
      <p className="ya-meta">{t('appl.intake.registerLead')}</p>
      {done ? <Alert className="yw-block-sm" type="success" showIcon data-testid="intake-done" title={t('appl.intake.registered', { number: done.number })} /> : null}
      <ErrorAlert error={error} />
      {/* Named: its field ids (intake-who_idNumber) must not clash with the service form's own idNumber field. */}
      <Form form={who} name="intake-who" layout="vertical" requiredMark>
        <Form.Item name="idNumber" label={t('appl.intake.idNumber')} rules={[{ required: true, pattern: /^\d{17}[\dXx]$/, message: t('appl.intake.idNumberRule') }]}>
          <Input autoComplete="off" maxLength={18} data-testid="intake-id" />
        </Form.Item>
        <Form.Item name="name" label={t('appl.intake.name')} rules={[{ required: true, min: 2 }]}>
          <Input autoComplete="off" maxLength={50} data-testid="intake-name" />
        </Form.Item>
        <Form.Item label={t('appl.intake.item')} required>
          <Select
            showSearch
            filterOption={false}
            onSearch={(q) => void search(q)}
            onFocus={() => !hits.length && void search('')}
            onChange={(id: string) => void choose(id)}
            options={hits.map((h) => ({ value: h.id, label: `${h.name}（${h.departmentName}）` }))}
            placeholder={t('appl.intake.itemPlaceholder')}
            aria-label={t('appl.intake.item')}
            data-testid="intake-item"
          />
        </Form.Item>
      </Form>
      {target ? <SchemaForm schema={target.schema} form={form} hideMaterials /> : null}
      {target && uploadable.length ? (
        <div className="yw-block-sm">
          <h3 className="yw-card-title">{t('appl.intake.scansTitle')}</h3>
          <p className="ya-meta">{t('appl.intake.scansLead')}</p>
          <MaterialUploads materials={uploadable} files={mats} onChange={(key, files) => setMats((p) => ({ ...p, [key]: files }))} mustUpload={mustUpload} testId="intake-materials" />
        </div>
      ) : null}
      <Button type="primary" onClick={() => void submit()} loading={busy} disabled={!target} data-testid="intake-submit">
        {t('appl.intake.submit')}
      </Button>
    </Card>
  );
}
