import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { get, patch, post } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { FormModal } from '../../../components/FormModal';
import { Views } from '../../../components/Views';
import { DataTable } from '../../../components/DataTable';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { StaffAccounts } from '../../../features/identity/StaffAccounts';

interface Client { id: string; clientId: string; name: string; departmentId: string; departmentName: string; scopes: string[]; status: string; createdAt: string }
interface ClientValues { clientId: string; name: string; departmentId: string; scopes: string[] }
interface Department { id: string; name: string; nameEn: string; regionName: string }

/** Scopes a machine client may be given (the ones the server checks). */
const SCOPES = ['exchange:query', 'exchange:verify', 'licences:issue', 'licences:verify'];

/** /admin/accounts (账户管理), platform admins: every staff account, and the machine clients of other government systems. */
export default function AdminAccounts() {
  const { t } = useTranslation();
  usePageTitle(t('nav.admin.accounts'));
  return (
    <div className="yw-page" data-testid="admin-accounts">
      <h1 className="yw-page-title">{t('nav.admin.accounts')}</h1>
      <Views
        label={t('nav.admin.accounts')}
        testId="acc-views"
        views={[
          { key: 'staff', label: t('cl.staffTab'), content: <StaffAccounts /> },
          { key: 'clients', label: t('cl.tab'), content: <Clients /> },
        ]}
      />
    </div>
  );
}

function Clients() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  const list = useLoad(() => get<Client[]>('/api/admin/clients'), []);
  const departments = useLoad(() => get<Department[]>('/api/departments'), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ clientId: string; clientSecret: string } | null>(null);
  const [toggling, setToggling] = useState<Client | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<ClientValues>();
  return (
    <>
      <p className="yw-lead">{t('cl.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} onClick={() => setCreating(true)} data-testid="cl-new">{t('cl.new')}</Button>
      </Space>
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<Client>
          label={t('cl.tab')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data}
          data-testid="cl-list"
          pagination={false}
          columns={[
            { title: t('cl.name'), key: 'n', render: (_: unknown, c) => <>{c.name}<div className="yw-muted"><Typography.Text code>{c.clientId}</Typography.Text></div></> },
            { title: t('cl.department'), dataIndex: 'departmentName' },
            { title: t('cl.scopes'), key: 's', render: (_: unknown, c) => c.scopes.map((s) => <Tag key={s}>{s}</Tag>) },
            { title: t('cl.createdAt'), key: 'c', render: (_: unknown, c) => formatTime(c.createdAt, lang) },
            { title: t('cl.status'), key: 'st', render: (_: unknown, c) => <Tag color={c.status === 'active' ? 'green' : 'default'}>{t(`st.statuses.${c.status}`)}</Tag> },
            {
              title: t('st.actions'),
              key: 'a',
              render: (_: unknown, c) => (
                <Button size="small" danger={c.status === 'active'} aria-label={`${c.status === 'active' ? t('st.disable') : t('st.enable')} ${c.name}`} data-testid={`cl-toggle-${c.clientId}`} onClick={() => { setToggling(c); setReason(''); setError(null); }}>
                  {c.status === 'active' ? t('st.disable') : t('st.enable')}
                </Button>
              ),
            },
          ]}
        />
      )}
      <FormModal<ClientValues>
        open={creating}
        form={form}
        title={t('cl.new')}
        okText={t('st.create')}
        cancelText={t('st.cancel')}
        okTestId="cl-submit"
        onClose={() => setCreating(false)}
        onSubmit={async (v) => {
          const r = await post<{ clientId: string; clientSecret: string }>('/api/admin/clients', { ...v, name: v.name.trim(), scopes: v.scopes ?? [] });
          setCreating(false);
          setSecret(r);
          await list.reload();
        }}
      >
          <Form.Item name="name" label={t('cl.name')} rules={[{ required: true, whitespace: true, message: t('st.required') }]}>
            <Input maxLength={128} />
          </Form.Item>
          <Form.Item name="clientId" label={t('cl.clientId')} extra={t('cl.clientIdHint')} rules={[{ required: true, message: t('st.required') }, { pattern: /^[a-z0-9][a-z0-9._-]{2,63}$/, message: t('cl.clientIdHint') }]}>
            <Input maxLength={64} autoComplete="off" />
          </Form.Item>
          <Form.Item name="departmentId" label={t('cl.department')} rules={[{ required: true, message: t('st.required') }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} loading={!departments.data} options={(departments.data ?? []).map((d) => ({ value: d.id, label: `${zh ? d.name : d.nameEn}（${d.regionName}）` }))} />
          </Form.Item>
          <Form.Item name="scopes" label={t('cl.scopes')} extra={t('cl.scopesHint')}>
            <Select mode="multiple" options={SCOPES.map((s) => ({ value: s, label: `${s} — ${t(`cl.scope.${s.replace(':', '_')}`)}` }))} />
          </Form.Item>
      </FormModal>
      <Modal open={!!secret} title={t('cl.secretTitle')} onCancel={() => setSecret(null)} footer={<Button type="primary" onClick={() => setSecret(null)}>{t('cl.secretDone')}</Button>}>
        <Alert type="warning" showIcon className="yw-block-sm" title={t('cl.secretOnce')} />
        {secret && (
          <div data-testid="cl-secret">
            <p>{t('cl.clientId')}：<Typography.Text code copyable>{secret.clientId}</Typography.Text></p>
            <p>{t('cl.secret')}：<Typography.Text code copyable>{secret.clientSecret}</Typography.Text></p>
          </div>
        )}
      </Modal>
      <Modal
        open={!!toggling}
        title={toggling ? `${toggling.status === 'active' ? t('st.disable') : t('st.enable')}：${toggling.name}` : ''}
        okText={t('st.confirm')}
        cancelText={t('st.cancel')}
        okButtonProps={{ danger: toggling?.status === 'active', disabled: reason.trim().length < 2 } as never}
        onCancel={() => setToggling(null)}
        onOk={async () => {
          try {
            await patch(`/api/admin/clients/${toggling!.id}`, { status: toggling!.status === 'active' ? 'disabled' : 'active', reason: reason.trim() });
            setToggling(null);
            await list.reload();
          } catch (e) {
            setError(e);
          }
        }}
      >
        {toggling?.status === 'active' && <p>{t('cl.disableLead')}</p>}
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <label htmlFor="cl-reason">{t('st.reason')}</label>
        <Input.TextArea id="cl-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}
