import { useState } from 'react';
import { Alert, Button, Checkbox, Drawer, Form, Input, Modal, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { get, post, put } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { DataTable } from '../../../components/DataTable';

interface Field { name: string; label: string; labelEn?: string; type: string; personal: boolean; sensitive: boolean }
interface Resource {
  id: string; code: string; name: string; description: string; provider: { id: string; name: string; nameEn: string }; regionCode: string;
  subjectKind: string; keyField: string; fields: Field[]; sharingClass: string; openClass: string; updateFrequency: string; legalBasis: string;
  tags: string[]; status: string; version: number; rowCount: number; canManage: boolean;
}
interface Department { id: string; code: string; name: string; nameEn: string }

const CLASSES = ['unconditional', 'conditional', 'none'];
const FREQ = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'];
const TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];

/** /admin/catalog: the data resource catalog (政务信息资源目录) — list, search, register and edit resources, preview rows. */
export default function AdminResourceCatalog() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  usePageTitle(t('ex.catalog.title'));
  const [q, setQ] = useState('');
  const list = useLoad(() => get<{ total: number; items: Resource[] }>(`/api/admin/resources?includeRetired=true&limit=200${q ? `&q=${encodeURIComponent(q)}` : ''}`), [q]);
  const depts = useLoad(() => get<Department[]>('/api/departments'), []);
  const [editing, setEditing] = useState<Resource | 'new' | null>(null);
  const [preview, setPreview] = useState<Resource | null>(null);
  const [done, setDone] = useState<string | null>(null);

  return (
    <div className="yw-page" data-testid="ex-catalog">
      <h1 className="yw-page-title">{t('ex.catalog.title')}</h1>
      <p>{t('ex.catalog.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Input.Search aria-label={t('ex.catalog.search')} placeholder={t('ex.catalog.search')} allowClear onSearch={(v) => setQ(v.trim())} style={{ width: 320 }} size={elder ? 'large' : 'middle'} />
        <Button type="primary" onClick={() => setEditing('new')} data-testid="ex-resource-new">{t('ex.catalog.new')}</Button>
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" onClose={() => setDone(null)} closable />}
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<Resource> label={t('ex.catalog.title')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data.items}
          pagination={{ pageSize: 20 }}
          data-testid="ex-resources"
          columns={[
            { title: t('ex.catalog.name'), key: 'n', render: (_: unknown, r) => <><strong>{r.name}</strong><div className="yw-muted">{r.code}</div></> },
            { title: t('ex.catalog.provider'), key: 'p', render: (_: unknown, r) => (zh ? r.provider.name : r.provider.nameEn) },
            { title: t('ex.catalog.sharing'), key: 's', render: (_: unknown, r) => <Tag>{t(`ex.sharing.${r.sharingClass}`)}</Tag> },
            { title: t('ex.catalog.open'), key: 'o', render: (_: unknown, r) => <Tag>{t(`ex.open.${r.openClass}`)}</Tag> },
            { title: t('ex.catalog.subject'), key: 'k', render: (_: unknown, r) => t(`ex.subject.${r.subjectKind}`) },
            { title: t('ex.catalog.frequency'), key: 'f', render: (_: unknown, r) => t(`ex.freq.${r.updateFrequency}`) },
            { title: t('ex.catalog.fields'), key: 'c', render: (_: unknown, r) => r.fields.length },
            { title: t('ex.catalog.rows'), key: 'r', render: (_: unknown, r) => r.rowCount.toLocaleString() },
            { title: t('ex.catalog.status'), key: 'st', render: (_: unknown, r) => (r.status === 'active' ? t('ex.catalog.active') : <Tag>{t('ex.catalog.retired')}</Tag>) },
            {
              title: t('ex.actions'),
              key: 'a',
              render: (_: unknown, r) => (
                <Space>
                  <Button size="small" onClick={() => setPreview(r)} disabled={!r.canManage}>{t('ex.catalog.preview')}</Button>
                  <Button size="small" onClick={() => setEditing(r)} disabled={!r.canManage} aria-label={`${t('ex.catalog.edit')} ${r.name}`}>{t('ex.catalog.edit')}</Button>
                </Space>
              ),
            },
          ]}
        />
      )}
      {editing && (
        <ResourceEditor
          resource={editing === 'new' ? null : editing}
          departments={depts.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={async (name) => {
            setEditing(null);
            setDone(t('ex.catalog.saved', { name }));
            await list.reload();
          }}
        />
      )}
      <RowsPreview resource={preview} onClose={() => setPreview(null)} />
    </div>
  );
}

function ResourceEditor({ resource, departments, onClose, onSaved }: { resource: Resource | null; departments: Department[]; onClose: () => void; onSaved: (name: string) => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const initial = resource
    ? { ...resource, providerDepartmentId: resource.provider.id, tags: resource.tags.join('，') }
    : { subjectKind: 'none', sharingClass: 'conditional', openClass: 'none', updateFrequency: 'daily', fields: [{ name: 'id', label: '编号', type: 'string', personal: false, sensitive: false }], keyField: 'id' };
  return (
    <Modal
      open
      width={860}
      title={resource ? `${t('ex.catalog.edit')}：${resource.name}` : t('ex.catalog.new')}
      okText={t('ex.save')}
      cancelText={t('ex.cancel')}
      onCancel={onClose}
      onOk={async () => {
        try {
          const v = await form.validateFields();
          const body = {
            name: v.name, description: v.description ?? '', providerDepartmentId: v.providerDepartmentId, subjectKind: v.subjectKind, keyField: v.keyField,
            fields: (v.fields as Field[]).map((f) => ({ name: f.name, label: f.label, ...(f.labelEn ? { labelEn: f.labelEn } : {}), type: f.type, personal: !!f.personal, sensitive: !!f.sensitive })),
            sharingClass: v.sharingClass, openClass: v.openClass, updateFrequency: v.updateFrequency, legalBasis: v.legalBasis ?? '',
            tags: String(v.tags ?? '').split(/[,，\s]+/).filter(Boolean),
          };
          const saved = resource ? await put<Resource>(`/api/admin/resources/${resource.id}`, { ...body, version: resource.version }) : await post<Resource>('/api/admin/resources', { ...body, code: v.code });
          onSaved(saved.name);
        } catch (e) {
          if ((e as { errorFields?: unknown }).errorFields) return;
          setError(e);
        }
      }}
    >
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form form={form} layout="vertical" initialValues={initial} data-testid="ex-resource-form">
        <Space wrap align="start">
          <Form.Item name="code" label={t('ex.catalog.code')} rules={[{ required: true, pattern: /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)*$/, message: t('ex.catalog.codeRule') }]}>
            <Input disabled={!!resource} style={{ width: 220 }} />
          </Form.Item>
          <Form.Item name="name" label={t('ex.catalog.name')} rules={[{ required: true, min: 2 }]}>
            <Input style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="providerDepartmentId" label={t('ex.catalog.provider')} rules={[{ required: true }]}>
            <Select style={{ width: 260 }} showSearch optionFilterProp="label" options={departments.map((d) => ({ value: d.id, label: lang.startsWith('zh') ? d.name : d.nameEn }))} />
          </Form.Item>
        </Space>
        <Form.Item name="description" label={t('ex.catalog.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="sharingClass" label={t('ex.catalog.sharing')} rules={[{ required: true }]}>
            <Select style={{ width: 160 }} options={CLASSES.map((c) => ({ value: c, label: t(`ex.sharing.${c}`) }))} />
          </Form.Item>
          <Form.Item name="openClass" label={t('ex.catalog.open')} rules={[{ required: true }]}>
            <Select style={{ width: 160 }} options={CLASSES.map((c) => ({ value: c, label: t(`ex.open.${c}`) }))} />
          </Form.Item>
          <Form.Item name="subjectKind" label={t('ex.catalog.subject')} rules={[{ required: true }]}>
            <Select style={{ width: 140 }} options={['person', 'enterprise', 'none'].map((c) => ({ value: c, label: t(`ex.subject.${c}`) }))} />
          </Form.Item>
          <Form.Item name="updateFrequency" label={t('ex.catalog.frequency')} rules={[{ required: true }]}>
            <Select style={{ width: 140 }} options={FREQ.map((c) => ({ value: c, label: t(`ex.freq.${c}`) }))} />
          </Form.Item>
          <Form.Item name="keyField" label={t('ex.catalog.keyField')} rules={[{ required: true }]}>
            <Input style={{ width: 160 }} />
          </Form.Item>
        </Space>
        <Form.Item name="legalBasis" label={t('ex.catalog.legalBasis')}>
          <Input />
        </Form.Item>
        <Form.Item name="tags" label={t('ex.catalog.tags')}>
          <Input />
        </Form.Item>
        <fieldset>
          <legend>{t('ex.catalog.fields')}</legend>
          <Form.List name="fields">
            {(items, { add, remove }) => (
              <>
                {items.map(({ key, name }) => (
                  <Space key={key} wrap align="baseline">
                    <Form.Item name={[name, 'name']} rules={[{ required: true, pattern: /^[a-z][A-Za-z0-9_]{0,39}$/ }]}>
                      <Input aria-label={t('ex.catalog.fieldName')} placeholder={t('ex.catalog.fieldName')} style={{ width: 150 }} />
                    </Form.Item>
                    <Form.Item name={[name, 'label']} rules={[{ required: true }]}>
                      <Input aria-label={t('ex.catalog.fieldLabel')} placeholder={t('ex.catalog.fieldLabel')} style={{ width: 170 }} />
                    </Form.Item>
                    <Form.Item name={[name, 'type']} rules={[{ required: true }]}>
                      <Select aria-label={t('ex.catalog.fieldType')} style={{ width: 110 }} options={TYPES.map((x) => ({ value: x, label: x }))} />
                    </Form.Item>
                    <Form.Item name={[name, 'personal']} valuePropName="checked">
                      <Checkbox>{t('ex.catalog.personal')}</Checkbox>
                    </Form.Item>
                    <Form.Item name={[name, 'sensitive']} valuePropName="checked">
                      <Checkbox>{t('ex.catalog.sensitive')}</Checkbox>
                    </Form.Item>
                    <Button onClick={() => remove(name)} aria-label={t('ex.catalog.removeField')}>−</Button>
                  </Space>
                ))}
                <Button onClick={() => add({ type: 'string', personal: false, sensitive: false })}>{t('ex.catalog.addField')}</Button>
              </>
            )}
          </Form.List>
        </fieldset>
      </Form>
    </Modal>
  );
}

function RowsPreview({ resource, onClose }: { resource: Resource | null; onClose: () => void }) {
  const { t } = useTranslation();
  const rows = useLoad(() => (resource ? get<{ total: number; rows: { rowKey: string; data: Record<string, unknown> }[] }>(`/api/admin/resources/${resource.id}/rows?limit=20`) : Promise.resolve(undefined)), [resource?.id]);
  return (
    <Drawer open={!!resource} onClose={onClose} size="large" title={resource ? `${resource.name} — ${t('ex.catalog.preview')}` : ''}>
      <ErrorAlert error={rows.error} />
      {resource && rows.data && (
        <>
          <p>{t('ex.catalog.previewNote', { total: rows.data.total })}</p>
          <DataTable label={t('ex.catalog.preview')}
            size="small"
            rowKey="rowKey"
            pagination={false}
            dataSource={rows.data.rows}
            columns={resource.fields.map((f) => ({ title: f.label, key: f.name, render: (_: unknown, r: { data: Record<string, unknown> }) => String(r.data[f.name] ?? '') }))}
          />
        </>
      )}
    </Drawer>
  );
}
