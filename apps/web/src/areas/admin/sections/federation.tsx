import { useState } from 'react';
import { Alert, Button, Descriptions, Empty, Form, Input, Modal, Space, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { del, get, post } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { FormModal } from '../../../components/FormModal';
import { DataTable } from '../../../components/DataTable';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';

interface Jwk { kty: string; kid?: string; alg?: string; crv?: string }
interface Issuer { id: string; iss: string; name: string; nameEn: string; regionCode: string; keys: Jwk[]; note: string | null; createdAt: string }

/**
 * /admin/federation (跨域节点), platform admins: the e-licence issuers of other regions this node
 * trusts (证照互认) — their identifiers and public keys; trust one (with its JWKS), or stop trusting.
 */
export default function AdminFederation() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  usePageTitle(t('nav.admin.federation'));
  const list = useLoad(() => get<Issuer[]>('/api/admin/licences/trusted-issuers'), []);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Issuer | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <div className="yw-page" data-testid="admin-federation">
      <h1 className="yw-page-title">{t('nav.admin.federation')}</h1>
      <p className="yw-lead">{t('fd.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} onClick={() => { setAdding(true); setDone(null); }} data-testid="fd-add">{t('fd.add')}</Button>
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      <ErrorAlert error={list.error ?? error} onClose={error ? () => setError(null) : undefined} />
      {!list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <Empty description={t('fd.none')} data-testid="fd-none" />
      ) : (
        <DataTable<Issuer>
          label={t('fd.title')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data}
          data-testid="fd-list"
          pagination={false}
          expandable={{
            expandedRowRender: (i) => (
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('fd.iss')}><Typography.Text code copyable>{i.iss}</Typography.Text></Descriptions.Item>
                {i.note && <Descriptions.Item label={t('fd.note')}>{i.note}</Descriptions.Item>}
                <Descriptions.Item label={t('fd.keys')}><Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', marginBottom: 0 }}>{JSON.stringify(i.keys, null, 2)}</Typography.Paragraph></Descriptions.Item>
              </Descriptions>
            ),
          }}
          columns={[
            { title: t('fd.name'), key: 'n', render: (_: unknown, i) => <>{zh ? i.name : i.nameEn}<div className="yw-muted" style={{ wordBreak: 'break-all' }}>{i.iss}</div></> },
            { title: t('fd.region'), dataIndex: 'regionCode' },
            { title: t('fd.keys'), key: 'k', render: (_: unknown, i) => i.keys.map((k, n) => <Tag key={k.kid ?? n}>{k.kid ?? k.kty}{k.alg ? ` · ${k.alg}` : k.crv ? ` · ${k.crv}` : ''}</Tag>) },
            { title: t('fd.since'), key: 's', render: (_: unknown, i) => formatTime(i.createdAt, lang) },
            { title: t('st.actions'), key: 'a', render: (_: unknown, i) => <Button size="small" danger aria-label={`${t('fd.remove')} ${zh ? i.name : i.nameEn}`} data-testid="fd-remove" onClick={() => { setRemoving(i); setReason(''); setError(null); }}>{t('fd.remove')}</Button> },
          ]}
        />
      )}
      <AddIssuer open={adding} onClose={() => setAdding(false)} onAdded={async (name) => { setAdding(false); setDone(t('fd.added', { name })); await list.reload(); }} />
      <Modal
        open={!!removing}
        title={t('fd.removeTitle')}
        okText={t('fd.remove')}
        cancelText={t('st.cancel')}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
        onCancel={() => setRemoving(null)}
        onOk={async () => {
          try {
            await del(`/api/admin/licences/trusted-issuers/${removing!.id}?reason=${encodeURIComponent(reason.trim())}`);
            setDone(t('fd.removed', { name: zh ? removing!.name : removing!.nameEn }));
            setRemoving(null);
            await list.reload();
          } catch (e) {
            setRemoving(null);
            setError(e);
          }
        }}
      >
        {removing && <p>{t('fd.removeLead', { name: zh ? removing.name : removing.nameEn })}</p>}
        <label htmlFor="fd-reason">{t('st.reason')}</label>
        <Input.TextArea id="fd-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </div>
  );
}

interface AddValues { iss: string; name: string; nameEn: string; regionCode: string; jwks: string; note?: string }

/** The JWKS pasted in the form, or null when it is not JSON with a non-empty keys array. */
function parseJwks(text: string): { keys: unknown[] } | null {
  try {
    const v = JSON.parse(text) as { keys?: unknown };
    return Array.isArray(v.keys) && v.keys.length > 0 ? { keys: v.keys } : null;
  } catch {
    return null;
  }
}

function AddIssuer({ open, onClose, onAdded }: { open: boolean; onClose: () => void; onAdded: (name: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<AddValues>();
  return (
    <FormModal<AddValues>
      open={open}
      form={form}
      title={t('fd.add')}
      okText={t('fd.addOk')}
      cancelText={t('st.cancel')}
      width={680}
      lead={<p>{t('fd.addLead')}</p>}
      onClose={onClose}
      onSubmit={async (v) => {
        await post('/api/admin/licences/trusted-issuers', { iss: v.iss.trim(), name: v.name.trim(), nameEn: v.nameEn.trim(), regionCode: v.regionCode.trim(), jwks: parseJwks(v.jwks), ...(v.note?.trim() ? { note: v.note.trim() } : {}) });
        await onAdded(v.name.trim());
      }}
    >
        <Form.Item name="name" label={t('fd.name')} rules={[{ required: true, whitespace: true, min: 2, message: t('st.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('fd.nameEn')} rules={[{ required: true, whitespace: true, min: 2, message: t('st.required') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="iss" label={t('fd.iss')} extra={t('fd.issHint')} rules={[{ required: true, message: t('st.required') }, { pattern: /^\s*https?:\/\/\S{4,}$/, message: t('fd.issHint') }]}>
          <Input maxLength={300} />
        </Form.Item>
        <Form.Item name="regionCode" label={t('fd.region')} rules={[{ required: true, message: t('st.required') }, { pattern: /^\s*[0-9]{6}\s*$/, message: t('fd.regionShape') }]}>
          <Input maxLength={6} inputMode="numeric" />
        </Form.Item>
        <Form.Item name="jwks" label={t('fd.jwks')} extra={t('fd.jwksHint')} rules={[{ required: true, message: t('st.required') }, { validator: async (_, v?: string) => { if (v && !parseJwks(v)) throw new Error(t('fd.jwksShape')); } }]}>
          <Input.TextArea rows={6} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Form.Item name="note" label={t('fd.note')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
    </FormModal>
  );
}
