import { useState } from 'react';
import { Alert, Button, Descriptions, Form, Input, InputNumber, Modal, Radio, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { Views } from '../../../components/Views';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { DataTable } from '../../../components/DataTable';

interface Party { id: string; name: string; nameEn: string }
interface AccessRequest {
  id: string; requestNo: string; resource: { code: string; name: string; sharingClass: string }; provider: Party; consumer: Party; client: { clientId: string; name: string } | null;
  kinds: string[]; fields: string[]; purpose: string; legalBasis: string; validFrom: string; validUntil: string; quotaPerDay: number; ratePerMinute: number | null;
  state: string; decisionReason: string | null; createdAt: string; canDecide: boolean;
}
interface Grant {
  id: string; resource: { code: string; name: string }; provider: Party; consumer: Party; client: { clientId: string; name: string } | null; kinds: string[]; fields: string[];
  purpose: string; validUntil: string; quotaPerDay: number; usedToday: number; state: string; revokedReason: string | null;
}
interface Case {
  id: string; caseNo: string; reason: string; state: string; finding: string | null; resolution: string | null; createdAt: string;
  call: { receiptId: string; at: string; kind: string; system: string | null; consumer: string | null; fields: string[]; purpose: string | null; reference: string | null; resource: { code: string; name: string } };
}

/** /admin/sharing: 供需对接 — access requests to decide, grants (revoke), suspected misuse cases from 我的数据使用记录. */
export default function AdminSharing() {
  const { t } = useTranslation();
  usePageTitle(t('ex.sharing.title'));
  return (
    <div className="yw-page" data-testid="ex-sharing">
      <h1 className="yw-page-title">{t('ex.sharing.title')}</h1>
      <Views
        label={t('ex.sharing.title')}
        views={[
          { key: 'requests', label: t('ex.sharing.requests'), content: <RequestsTab /> },
          { key: 'grants', label: t('ex.sharing.grants'), content: <GrantsTab /> },
          { key: 'cases', label: t('ex.sharing.cases'), content: <CasesTab /> },
        ]}
      />
    </div>
  );
}

function RequestsTab() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  const [state, setState] = useState<string>('pending');
  const list = useLoad(() => get<{ items: AccessRequest[] }>(`/api/exchange/requests?limit=200${state ? `&state=${state}` : ''}`), [state]);
  const [deciding, setDeciding] = useState<AccessRequest | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm();
  return (
    <>
      <Space className="yw-block-sm">
        <span id="ex-req-state">{t('ex.sharing.state')}</span>
        <Select aria-labelledby="ex-req-state" value={state} onChange={setState} style={{ width: 160 }} options={['pending', 'approved', 'refused', ''].map((s) => ({ value: s, label: s ? t(`ex.reqState.${s}`) : t('ex.all') }))} />
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<AccessRequest> label={t('ex.sharing.requests')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data.items}
          data-testid="ex-requests"
          expandable={{
            expandedRowRender: (r) => (
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('ex.fields')}>{r.fields.join('、')}</Descriptions.Item>
                <Descriptions.Item label={t('ex.legalBasis')}>{r.legalBasis || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('ex.period')}>{formatTime(r.validFrom, lang)} — {formatTime(r.validUntil, lang)}</Descriptions.Item>
                <Descriptions.Item label={t('ex.quota')}>{r.quotaPerDay}{r.ratePerMinute ? ` · ${r.ratePerMinute}/min` : ''}</Descriptions.Item>
                {r.decisionReason && <Descriptions.Item label={t('ex.sharing.reason')}>{r.decisionReason}</Descriptions.Item>}
              </Descriptions>
            ),
          }}
          columns={[
            { title: t('ex.sharing.requestNo'), dataIndex: 'requestNo' },
            { title: t('ex.resource'), key: 'r', render: (_: unknown, r) => r.resource.name },
            { title: t('ex.consumer'), key: 'c', render: (_: unknown, r) => <>{zh ? r.consumer.name : r.consumer.nameEn}{r.client && <div className="yw-muted">{r.client.name}</div>}</> },
            { title: t('ex.purpose'), dataIndex: 'purpose' },
            { title: t('ex.kinds'), key: 'k', render: (_: unknown, r) => r.kinds.map((k) => <Tag key={k}>{t(`ex.kind.${k}`)}</Tag>) },
            { title: t('ex.sharing.state'), key: 's', render: (_: unknown, r) => <Tag>{t(`ex.reqState.${r.state}`)}</Tag> },
            {
              title: t('ex.actions'),
              key: 'a',
              render: (_: unknown, r) =>
                r.canDecide ? (
                  <Button type="primary" size="small" onClick={() => { setDeciding(r); setError(null); form.setFieldsValue({ approve: true, reason: '', quotaPerDay: r.quotaPerDay }); }} data-testid={`ex-decide-${r.resource.code}`}>
                    {t('ex.sharing.decide')}
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
      <Modal
        open={!!deciding}
        title={deciding ? `${t('ex.sharing.decide')}：${deciding.requestNo} ${deciding.resource.name}` : ''}
        okText={t('ex.sharing.submitDecision')}
        cancelText={t('ex.cancel')}
        onCancel={() => setDeciding(null)}
        onOk={async () => {
          try {
            const v = await form.validateFields();
            await post(`/api/exchange/requests/${deciding!.id}/decision`, { approve: v.approve, reason: v.reason, ...(v.approve && v.quotaPerDay ? { quotaPerDay: v.quotaPerDay } : {}) });
            setDone(v.approve ? t('ex.sharing.approvedOk') : t('ex.sharing.refusedOk'));
            setDeciding(null);
            await list.reload();
          } catch (e) {
            if ((e as { errorFields?: unknown }).errorFields) return;
            setError(e);
          }
        }}
      >
        <ErrorAlert error={error} onClose={() => setError(null)} />
        {deciding && <p>{t('ex.sharing.decideLead', { consumer: zh ? deciding.consumer.name : deciding.consumer.nameEn, purpose: deciding.purpose })}</p>}
        <Form form={form} layout="vertical" data-testid="ex-decision-form">
          <Form.Item name="approve" label={t('ex.sharing.decision')} rules={[{ required: true }]}>
            <Radio.Group options={[{ value: true, label: t('ex.sharing.approve') }, { value: false, label: t('ex.sharing.refuse') }]} />
          </Form.Item>
          <Form.Item name="reason" label={t('ex.sharing.reason')} rules={[{ required: true, min: 2 }]}>
            <Input.TextArea rows={2} data-testid="ex-decision-reason" />
          </Form.Item>
          <Form.Item name="quotaPerDay" label={t('ex.quota')}>
            <InputNumber min={1} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function GrantsTab() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  const list = useLoad(() => get<{ items: Grant[] }>('/api/exchange/grants?limit=200'), []);
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<Grant> label={t('ex.sharing.grants')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data.items}
          data-testid="ex-grants"
          columns={[
            { title: t('ex.resource'), key: 'r', render: (_: unknown, g) => g.resource.name },
            { title: t('ex.consumer'), key: 'c', render: (_: unknown, g) => <>{zh ? g.consumer.name : g.consumer.nameEn}<div className="yw-muted">{g.client ? g.client.name : t('ex.sharing.platformUse')}</div></> },
            { title: t('ex.fields'), key: 'f', render: (_: unknown, g) => g.fields.join('、') },
            { title: t('ex.purpose'), dataIndex: 'purpose' },
            { title: t('ex.sharing.validUntil'), key: 'v', render: (_: unknown, g) => formatTime(g.validUntil, lang) },
            { title: t('ex.sharing.usedToday'), key: 'u', render: (_: unknown, g) => `${g.usedToday} / ${g.quotaPerDay}` },
            { title: t('ex.sharing.state'), key: 's', render: (_: unknown, g) => <Tag>{t(`ex.grantState.${g.state}`)}</Tag> },
            { title: t('ex.actions'), key: 'a', render: (_: unknown, g) => (g.state === 'active' ? <Button danger size="small" onClick={() => { setRevoking(g); setReason(''); setError(null); }}>{t('ex.sharing.revoke')}</Button> : null) },
          ]}
        />
      )}
      <Modal
        open={!!revoking}
        title={t('ex.sharing.revoke')}
        okText={t('ex.sharing.revoke')}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
        cancelText={t('ex.cancel')}
        onCancel={() => setRevoking(null)}
        onOk={async () => {
          try {
            await post(`/api/exchange/grants/${revoking!.id}/revoke`, { reason });
            setRevoking(null);
            await list.reload();
          } catch (e) {
            setError(e);
          }
        }}
      >
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <label htmlFor="ex-revoke-reason">{t('ex.sharing.reason')}</label>
        <Input.TextArea id="ex-revoke-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}

function CasesTab() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const list = useLoad(() => get<{ items: Case[] }>('/api/exchange/cases?limit=200'), []);
  const [resolving, setResolving] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm();
  return (
    <>
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<Case> label={t('ex.sharing.cases')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={list.data.items}
          data-testid="ex-cases"
          columns={[
            { title: t('ex.sharing.caseNo'), dataIndex: 'caseNo' },
            { title: t('ex.sharing.flagReason'), dataIndex: 'reason' },
            { title: t('ex.resource'), key: 'r', render: (_: unknown, c) => c.call.resource.name },
            { title: t('ex.consumer'), key: 'c', render: (_: unknown, c) => <>{c.call.consumer}<div className="yw-muted">{c.call.system}</div></> },
            { title: t('ex.purpose'), key: 'p', render: (_: unknown, c) => <>{c.call.purpose}{c.call.reference && <div className="yw-muted">{c.call.reference}</div>}</> },
            { title: t('ex.when'), key: 'w', render: (_: unknown, c) => formatTime(c.call.at, lang) },
            { title: t('ex.sharing.state'), key: 's', render: (_: unknown, c) => <Tag>{c.state === 'open' ? t('ex.caseState.open') : t(`ex.finding.${c.finding}`)}</Tag> },
            { title: t('ex.actions'), key: 'a', render: (_: unknown, c) => (c.state === 'open' ? <Button size="small" type="primary" onClick={() => { setResolving(c); setError(null); form.setFieldsValue({ finding: 'no_misuse', resolution: '', revokeGrant: false }); }}>{t('ex.sharing.resolve')}</Button> : c.resolution) },
          ]}
        />
      )}
      <Modal
        open={!!resolving}
        title={resolving ? `${t('ex.sharing.resolve')}：${resolving.caseNo}` : ''}
        okText={t('ex.sharing.resolve')}
        cancelText={t('ex.cancel')}
        onCancel={() => setResolving(null)}
        onOk={async () => {
          try {
            const v = await form.validateFields();
            await post(`/api/exchange/cases/${resolving!.id}/resolve`, v);
            setResolving(null);
            await list.reload();
          } catch (e) {
            if ((e as { errorFields?: unknown }).errorFields) return;
            setError(e);
          }
        }}
      >
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <Form form={form} layout="vertical">
          <Form.Item name="finding" label={t('ex.sharing.finding')} rules={[{ required: true }]}>
            <Radio.Group options={[{ value: 'no_misuse', label: t('ex.finding.no_misuse') }, { value: 'misuse_confirmed', label: t('ex.finding.misuse_confirmed') }]} />
          </Form.Item>
          <Form.Item name="resolution" label={t('ex.sharing.resolution')} rules={[{ required: true, min: 4 }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="revokeGrant" label={t('ex.sharing.revokeGrant')}>
            <Radio.Group options={[{ value: false, label: t('ex.no') }, { value: true, label: t('ex.yes') }]} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
