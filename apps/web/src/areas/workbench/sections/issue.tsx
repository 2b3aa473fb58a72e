import { useState } from 'react';
import { Button, Input, Modal, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { post, get } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { pick, type Localized } from '../../../features/licences/model';

interface Issued {
  id: string;
  type: string;
  typeName: Localized;
  number: string;
  holderName: string;
  status: 'valid' | 'suspended' | 'revoked' | 'expired';
  statusReason: string | null;
  source: string;
  issuedAt: string;
}

const TONE: Record<string, { color: string; background: string; borderColor: string }> = {
  valid: { color: '#1e6b34', background: '#eaf5ee', borderColor: '#a8d5b5' },
  suspended: { color: '#7a4200', background: '#fff3dc', borderColor: '#f0c98a' },
  revoked: { color: '#8e1f18', background: '#fdecea', borderColor: '#f1b5ae' },
  expired: { color: '#3d3d3d', background: '#eeeeee', borderColor: '#cccccc' },
};

/** 证照签发管理 (/workbench/licences, deciders): licences my department issued; suspend, revoke, reinstate with a reason. */
export default function WorkbenchIssue() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('lic.issued.title'));
  const { data, error, loading, reload } = useLoad(() => get<Issued[]>('/api/licences/issued'), []);
  const [action, setAction] = useState<{ row: Issued; action: 'suspend' | 'revoke' | 'reinstate' } | null>(null);
  const [reason, setReason] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const submit = async () => {
    if (!action) return;
    try {
      await post(`/api/licences/${action.row.id}/status`, { action: action.action, reason });
      setAction(null);
      setReason('');
      await reload();
    } catch (e) {
      setErr(e);
    }
  };
  return (
    <div className="yw-page" data-testid="issued-licences">
      <h1 className="yw-page-title">{t('lic.issued.title')}</h1>
      <p className="yw-lead">{t('lic.issued.lead')}</p>
      <ErrorAlert error={error ?? err} />
      <Table
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        scroll={{ x: true }}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: t('lic.issued.type'), render: (_, r) => pick(r.typeName, i18n.language) },
          { title: t('lic.number'), dataIndex: 'number' },
          { title: t('lic.issued.holder'), dataIndex: 'holderName' },
          { title: t('lic.issued.issuedAt'), dataIndex: 'issuedAt', render: (v: string) => formatTime(v, i18n.language) },
          { title: t('lic.issued.status'), render: (_, r) => <Tag style={TONE[r.status]}>{t(`lic.verify.status.${r.status}`)}</Tag> },
          {
            title: t('lic.issued.actions'),
            render: (_, r) => (
              <Space>
                {r.status === 'valid' && <Button size="small" onClick={() => setAction({ row: r, action: 'suspend' })}>{t('lic.issued.suspend')}</Button>}
                {r.status === 'suspended' && <Button size="small" onClick={() => setAction({ row: r, action: 'reinstate' })}>{t('lic.issued.reinstate')}</Button>}
                {(r.status === 'valid' || r.status === 'suspended') && <Button size="small" danger onClick={() => setAction({ row: r, action: 'revoke' })}>{t('lic.issued.revoke')}</Button>}
              </Space>
            ),
          },
        ]}
      />
      <Modal open={!!action} title={action ? `${t(`lic.issued.${action.action}`)} · ${action.row.number}` : ''} onCancel={() => setAction(null)} onOk={() => void submit()} okButtonProps={{ disabled: reason.trim().length < 2 }}>
        <label htmlFor="lic-reason">{t('lic.issued.reason')}</label>
        <Input.TextArea id="lic-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </div>
  );
}
