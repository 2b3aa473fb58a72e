import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Form, Input, Modal, Radio, Select, Space, Tag } from 'antd';
import { LockOutlined, PlusOutlined, SafetyOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { get, patch, post } from '../../api';
import { useSession } from '../../auth';
import { Loading } from '../../components/States';
import { FormModal } from '../../components/FormModal';
import { DataTable } from '../../components/DataTable';
import { usePrefs } from '../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../applications/common';

export interface StaffAccount {
  id: string; kind: string; username: string; displayName: string; roles: string[];
  departmentId: string | null; departmentName: string | null; regionCode: string | null;
  status: 'active' | 'disabled'; totpEnabled: boolean; lastLoginAt: string | null; lockedUntil: string | null;
}
interface Department { id: string; name: string; nameEn: string; regionName: string }

/** The roles each kind of staff account may hold (as the server enforces, identity.service STAFF_ROLES). */
const KIND_ROLES: Record<string, string[]> = {
  officer: ['window_clerk', 'reviewer', 'decider', 'dept_admin'],
  data_admin: ['data_admin'],
  supervisor: ['supervisor'],
  platform_admin: ['platform_admin'],
};
/** The server's password rule for staff (identity/passwords.ts): 10+ characters, letters and digits. */
const passwordOk = (pw: string) => pw.length >= 10 && /[A-Za-z]/.test(pw) && /[0-9]/.test(pw);

type Change = { kind: 'disable' | 'enable' | 'unlock' | 'roles'; account: StaffAccount };

/**
 * Staff accounts (工作人员) in the signed-in administrator's scope: a department admin's own
 * department (officers only), or every staff account for a platform admin. Create, disable or
 * re-enable, unlock after failed sign-ins, change roles; disabling and role changes need a reason
 * (recorded in the audit log).
 */
export function StaffAccounts() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { me } = useSession();
  const zh = lang.startsWith('zh');
  const platform = !!me?.account.roles.includes('platform_admin');
  const list = useLoad(() => get<StaffAccount[]>('/api/admin/staff'), []);
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const [change, setChange] = useState<Change | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const rows = (list.data ?? []).filter((s) => !q.trim() || `${s.username} ${s.displayName} ${s.departmentName ?? ''}`.toLowerCase().includes(q.trim().toLowerCase()));
  return (
    <>
      <Space className="yw-block-sm" wrap>
        <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} onClick={() => { setCreating(true); setDone(null); }} data-testid="st-new">
          {t('st.new')}
        </Button>
        <Input.Search allowClear aria-label={t('st.search')} placeholder={t('st.search')} value={q} onChange={(e) => setQ(e.target.value)} style={{ width: elder ? 320 : 260, maxWidth: '100%' }} />
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" data-testid="st-done" />}
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<StaffAccount>
          label={t('st.title')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={rows}
          data-testid="st-list"
          pagination={rows.length > 30 ? { pageSize: 30 } : false}
          columns={[
            { title: t('st.displayName'), key: 'n', render: (_: unknown, s) => <>{s.displayName}<div className="yw-muted">{s.username}</div></> },
            ...(platform ? [{ title: t('st.department'), key: 'd', render: (_: unknown, s: StaffAccount) => <>{s.departmentName ?? '—'}<div className="yw-muted">{t(`kind.${s.kind}`)}</div></> }] : []),
            { title: t('st.roles'), key: 'r', render: (_: unknown, s) => s.roles.map((r) => <Tag key={r}>{t(`role.${r}`)}</Tag>) },
            {
              title: t('st.status'),
              key: 's',
              render: (_: unknown, s) => (
                <Space size={4} wrap>
                  <Tag color={s.status === 'active' ? 'green' : 'default'}>{t(`st.statuses.${s.status}`)}</Tag>
                  {s.lockedUntil && <Tag color="orange" icon={<LockOutlined aria-hidden="true" />}>{t('st.locked')}</Tag>}
                  {s.totpEnabled && <Tag icon={<SafetyOutlined aria-hidden="true" />}>{t('st.totp')}</Tag>}
                </Space>
              ),
            },
            { title: t('st.lastLogin'), key: 'l', render: (_: unknown, s) => (s.lastLoginAt ? formatTime(s.lastLoginAt, lang) : t('st.never')) },
            {
              title: t('st.actions'),
              key: 'a',
              render: (_: unknown, s) =>
                s.id === me?.account.id ? (
                  <span className="yw-muted">{t('st.self')}</span>
                ) : (
                  <Space wrap size={4}>
                    <Button size="small" onClick={() => setChange({ kind: 'roles', account: s })} aria-label={`${t('st.changeRoles')} ${s.displayName}`} data-testid={`st-roles-${s.username}`}>{t('st.changeRoles')}</Button>
                    {s.lockedUntil && <Button size="small" onClick={() => setChange({ kind: 'unlock', account: s })} aria-label={`${t('st.unlock')} ${s.displayName}`} data-testid={`st-unlock-${s.username}`}>{t('st.unlock')}</Button>}
                    {s.status === 'active' ? (
                      <Button size="small" danger onClick={() => setChange({ kind: 'disable', account: s })} aria-label={`${t('st.disable')} ${s.displayName}`} data-testid={`st-disable-${s.username}`}>{t('st.disable')}</Button>
                    ) : (
                      <Button size="small" onClick={() => setChange({ kind: 'enable', account: s })} aria-label={`${t('st.enable')} ${s.displayName}`} data-testid={`st-enable-${s.username}`}>{t('st.enable')}</Button>
                    )}
                  </Space>
                ),
            },
          ]}
        />
      )}
      <CreateStaff open={creating} platform={platform} zh={zh} onClose={() => setCreating(false)} onCreated={async (s) => { setCreating(false); setDone(t('st.created', { name: s.displayName, username: s.username })); await list.reload(); }} />
      <ChangeStaff change={change} onClose={() => setChange(null)} onDone={async (msg) => { setChange(null); setDone(msg); await list.reload(); }} />
    </>
  );
}

interface CreateValues { username: string; displayName: string; password: string; kind: string; roles: string[]; departmentId?: string }

function CreateStaff({ open, platform, zh, onClose, onCreated }: { open: boolean; platform: boolean; zh: boolean; onClose: () => void; onCreated: (s: StaffAccount) => Promise<void> }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [form] = Form.useForm<CreateValues>();
  const departments = useLoad(() => (platform ? get<Department[]>('/api/departments') : Promise.resolve([] as Department[])), [platform]);
  const kind = Form.useWatch('kind', form) ?? 'officer';
  const submit = async (v: CreateValues) => {
    const departmentId = platform ? v.departmentId : me?.account.department?.id;
    await onCreated(await post<StaffAccount>('/api/admin/staff', { username: v.username.trim(), displayName: v.displayName.trim(), password: v.password, kind: platform ? v.kind : 'officer', roles: v.roles, ...(departmentId ? { departmentId } : {}) }));
  };
  const needsDepartment = kind === 'officer' || kind === 'data_admin';
  return (
    <FormModal<CreateValues>
      open={open}
      form={form}
      initial={{ kind: 'officer', roles: ['window_clerk'], departmentId: me?.account.department?.id }}
      title={t('st.new')}
      okText={t('st.create')}
      cancelText={t('st.cancel')}
      onClose={onClose}
      onSubmit={submit}
      okTestId="st-submit"
      formTestId="st-form"
      width={620}
      lead={<p>{platform ? t('st.newLeadPlatform') : t('st.newLead', { department: zh ? me?.account.department?.name : me?.account.department?.nameEn })}</p>}
    >
        <Form.Item name="displayName" label={t('st.displayName')} rules={[{ required: true, whitespace: true, message: t('st.required') }]}>
          <Input maxLength={64} autoComplete="off" data-testid="st-display-name" />
        </Form.Item>
        <Form.Item name="username" label={t('st.username')} extra={t('st.usernameHint')} rules={[{ required: true, message: t('st.required') }, { pattern: /^[a-z][a-z0-9._-]{2,63}$/, message: t('st.usernameHint') }]}>
          <Input maxLength={64} autoComplete="off" data-testid="st-username" />
        </Form.Item>
        <Form.Item name="password" label={t('st.password')} extra={t('st.passwordHint')} rules={[{ required: true, message: t('st.required') }, { validator: async (_, v?: string) => { if (v && !passwordOk(v)) throw new Error(t('st.passwordHint')); } }]}>
          <Input.Password maxLength={256} autoComplete="new-password" data-testid="st-password" />
        </Form.Item>
        {platform && (
          <Form.Item name="kind" label={t('st.kind')} rules={[{ required: true }]}>
            <Radio.Group onChange={(e) => form.setFieldsValue({ roles: [KIND_ROLES[e.target.value as string][0]] })} options={Object.keys(KIND_ROLES).map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
          </Form.Item>
        )}
        {platform && needsDepartment && (
          <Form.Item name="departmentId" label={t('st.department')} rules={[{ required: true, message: t('st.required') }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} loading={!departments.data} options={(departments.data ?? []).map((d) => ({ value: d.id, label: `${zh ? d.name : d.nameEn}（${d.regionName}）` }))} />
          </Form.Item>
        )}
        <Form.Item name="roles" label={t('st.roles')} rules={[{ required: true, type: 'array', min: 1, message: t('st.rolesRequired') }]}>
          <Checkbox.Group options={KIND_ROLES[kind].map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <p className="yw-muted">{t('st.passwordNote')}</p>
    </FormModal>
  );
}

function ChangeStaff({ change, onClose, onDone }: { change: Change | null; onClose: () => void; onDone: (msg: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setReason('');
    setError(null);
    setRoles(change?.account.roles ?? []);
  }, [change]);
  if (!change) return null;
  const a = change.account;
  const needsReason = change.kind === 'disable' || change.kind === 'roles';
  const sameRoles = change.kind === 'roles' && [...roles].sort().join() === [...a.roles].sort().join();
  const ok = (!needsReason || reason.trim().length >= 2) && (change.kind !== 'roles' || (roles.length > 0 && !sameRoles));
  const body =
    change.kind === 'disable' ? { status: 'disabled', reason: reason.trim() }
      : change.kind === 'enable' ? { status: 'active', ...(reason.trim().length >= 2 ? { reason: reason.trim() } : {}) }
        : change.kind === 'unlock' ? { unlock: true, ...(reason.trim().length >= 2 ? { reason: reason.trim() } : {}) }
          : { roles, reason: reason.trim() };
  return (
    <Modal
      open
      title={`${t(`st.${change.kind === 'roles' ? 'changeRoles' : change.kind}`)}：${a.displayName}（${a.username}）`}
      okText={t('st.confirm')}
      cancelText={t('st.cancel')}
      okButtonProps={{ danger: change.kind === 'disable', disabled: !ok, 'data-testid': 'st-change-ok' } as never}
      confirmLoading={busy}
      onCancel={onClose}
      onOk={async () => {
        setBusy(true);
        try {
          await patch(`/api/admin/staff/${a.id}`, body);
          await onDone(t(`st.done.${change.kind}`, { name: a.displayName }));
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>{t(`st.lead.${change.kind}`, { name: a.displayName })}</p>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {change.kind === 'roles' && (
        <fieldset className="yw-block-sm">
          <legend>{t('st.roles')}</legend>
          <Checkbox.Group value={roles} onChange={(v) => setRoles(v as string[])} options={(KIND_ROLES[a.kind] ?? a.roles).map((r) => ({ value: r, label: t(`role.${r}`) }))} data-testid="st-roles-edit" />
        </fieldset>
      )}
      <label htmlFor="st-reason">{needsReason ? t('st.reason') : t('st.reasonOptional')}</label>
      <Input.TextArea id="st-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="st-reason" />
    </Modal>
  );
}
