import { useState } from 'react';
import { Alert, Button, Descriptions, Empty, Input, Modal, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { Views } from '../../../components/Views';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { DataTable } from '../../../components/DataTable';

interface Use {
  receiptId: string; at: string; kind: string;
  consumer: { department: string | null; departmentEn: string | null; system: string | null };
  provider: { department: string | null; departmentEn: string | null };
  resource: { code: string; name: string | null };
  fields: { name: string; label: string; labelEn: string }[];
  purpose: string | null; reference: string | null; outcome: string; reasonCode: string | null; resultHash: string; logLeafHash: string | null;
  case: { id: string; state: string; finding: string | null; resolution: string | null } | null;
}
interface LicenceUse {
  id: string; at: string; licence: { typeName: { zh: string; en: string }; number?: string | null };
  usedBy: { department: string | null; departmentEn?: string | null; name?: string | null }; purpose: Record<string, unknown>; fields: string[]; outcome: string; logLeafHash: string | null;
}
interface Proof {
  receiptId: string; resultHash: string; leafHash: string | null; status: 'included' | 'pending';
  proof: { leafIndex: number; treeSize: number; auditPath: string[] } | null; entry: string | null; sth: { treeSize: number; rootHash: string; signature: string; keyId: string } | null;
}

/** /portal/data-usage: 我的数据使用记录 — every use of my data (or the enterprise's / principal's), its receipt and log proof; flag a suspected misuse. */
export default function DataUsage() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  usePageTitle(t('ex.usage.title'));
  const list = useLoad(() => get<{ total: number; items: Use[]; licenceUses: LicenceUse[] }>('/api/exchange/my-uses?limit=200'), []);
  const [proof, setProof] = useState<Proof | null>(null);
  const [proofError, setProofError] = useState<unknown>(null);
  const [flagging, setFlagging] = useState<Use | null>(null);
  const [reason, setReason] = useState('');
  const [flagError, setFlagError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const showProof = async (u: Use) => {
    setProofError(null);
    try {
      setProof(await get<Proof>(`/api/exchange/my-uses/${u.receiptId}/proof`));
    } catch (e) {
      setProofError(e);
    }
  };

  return (
    <div className="yw-page" data-testid="ex-usage">
      <h1 className="yw-page-title">{t('ex.usage.title')}</h1>
      <p>{t('ex.usage.lead')}</p>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      <ErrorAlert error={list.error ?? proofError} />
      {!list.data ? (
        <Loading />
      ) : (
        <Views
          label={t('ex.usage.title')}
          views={[
            {
              key: 'data',
              label: `${t('ex.usage.sharedData')}（${list.data.total}）`,
              content: list.data.items.length ? (
                <DataTable<Use> label={t('ex.usage.sharedData')}
                  size={elder ? 'large' : 'middle'}
                  rowKey="receiptId"
                  dataSource={list.data.items}
                  data-testid="ex-usage-table"
                  pagination={{ pageSize: 20 }}
                  expandable={{
                    expandedRowRender: (u) => (
                      <Descriptions size="small" column={1}>
                        <Descriptions.Item label={t('ex.usage.provider')}>{zh ? u.provider.department : u.provider.departmentEn}</Descriptions.Item>
                        <Descriptions.Item label={t('ex.usage.receipt')}><Typography.Text code copyable>{u.receiptId}</Typography.Text></Descriptions.Item>
                        <Descriptions.Item label={t('ex.usage.resultHash')}><Typography.Text code>{u.resultHash}</Typography.Text></Descriptions.Item>
                        {u.reasonCode && <Descriptions.Item label={t('ex.usage.refusedBecause')}>{u.reasonCode}</Descriptions.Item>}
                        {u.case?.resolution && <Descriptions.Item label={t('ex.usage.caseResult')}>{u.case.resolution}</Descriptions.Item>}
                      </Descriptions>
                    ),
                  }}
                  columns={[
                    { title: t('ex.when'), key: 'w', render: (_: unknown, u) => formatTime(u.at, lang) },
                    { title: t('ex.usage.who'), key: 'c', render: (_: unknown, u) => <>{zh ? u.consumer.department : u.consumer.departmentEn}<div className="yw-muted">{u.consumer.system}</div></> },
                    { title: t('ex.resource'), key: 'r', render: (_: unknown, u) => u.resource.name ?? u.resource.code },
                    { title: t('ex.fields'), key: 'f', render: (_: unknown, u) => u.fields.map((f) => (zh ? f.label : f.labelEn)).join('、') },
                    { title: t('ex.purpose'), key: 'p', render: (_: unknown, u) => <>{u.purpose}{u.reference && <div className="yw-muted">{u.reference}</div>}</> },
                    { title: t('ex.usage.kind'), key: 'k', render: (_: unknown, u) => <><Tag>{t(`ex.kind.${u.kind}`)}</Tag><Tag>{t(`ex.outcome.${u.outcome}`)}</Tag></> },
                    {
                      title: t('ex.actions'),
                      key: 'a',
                      render: (_: unknown, u) => (
                        <Space wrap>
                          <Button size="small" onClick={() => void showProof(u)} aria-label={`${t('ex.usage.proof')} ${u.receiptId}`}>{t('ex.usage.proof')}</Button>
                          {u.case ? (
                            <Tag data-testid="ex-usage-flagged">{u.case.state === 'open' ? t('ex.usage.flagged') : t(`ex.finding.${u.case.finding}`)}</Tag>
                          ) : (
                            <Button size="small" danger onClick={() => { setFlagging(u); setReason(''); setFlagError(null); }} data-testid="ex-usage-flag">{t('ex.usage.flag')}</Button>
                          )}
                        </Space>
                      ),
                    },
                  ]}
                />
              ) : (
                <Empty description={t('ex.usage.none')} />
              ),
            },
            {
              key: 'licences',
              label: `${t('ex.usage.licences')}（${list.data.licenceUses.length}）`,
              content: list.data.licenceUses.length ? (
                <DataTable<LicenceUse> label={t('ex.usage.licences')}
                  size={elder ? 'large' : 'middle'}
                  rowKey="id"
                  dataSource={list.data.licenceUses}
                  columns={[
                    { title: t('ex.when'), key: 'w', render: (_: unknown, u) => formatTime(u.at, lang) },
                    { title: t('ex.usage.licence'), key: 'l', render: (_: unknown, u) => (zh ? u.licence.typeName.zh : u.licence.typeName.en) },
                    { title: t('ex.usage.who'), key: 'c', render: (_: unknown, u) => (zh ? u.usedBy.department : (u.usedBy.departmentEn ?? u.usedBy.department)) },
                    { title: t('ex.fields'), key: 'f', render: (_: unknown, u) => u.fields.join('、') },
                    { title: t('ex.purpose'), key: 'p', render: (_: unknown, u) => String(u.purpose.applicationNo ?? u.purpose.itemName ?? u.purpose.text ?? '') },
                    { title: t('ex.usage.kind'), key: 'o', render: (_: unknown, u) => <Tag>{u.outcome}</Tag> },
                  ]}
                />
              ) : (
                <Empty description={t('ex.usage.noneLicences')} />
              ),
            },
          ]}
        />
      )}
      <Modal open={!!proof} title={t('ex.usage.proofTitle')} onCancel={() => setProof(null)} footer={<Button onClick={() => setProof(null)} data-testid="ex-usage-proof-close">{t('ex.close')}</Button>} width={760}>
        {proof && (
          <div data-testid="ex-usage-proof">
            <p>{proof.status === 'included' ? t('ex.usage.included', { index: proof.proof?.leafIndex, size: proof.proof?.treeSize }) : t('ex.usage.pending')}</p>
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('ex.usage.receipt')}>{proof.receiptId}</Descriptions.Item>
              <Descriptions.Item label={t('ex.usage.resultHash')}><Typography.Text code>{proof.resultHash}</Typography.Text></Descriptions.Item>
              <Descriptions.Item label={t('ex.usage.leafHash')}><Typography.Text code>{proof.leafHash ?? '—'}</Typography.Text></Descriptions.Item>
              {proof.sth && <Descriptions.Item label={t('ex.usage.sth')}><Typography.Text code>{proof.sth.treeSize} · {proof.sth.rootHash}</Typography.Text></Descriptions.Item>}
              {proof.proof && <Descriptions.Item label={t('ex.usage.auditPath')}><Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{proof.proof.auditPath.join('\n')}</Typography.Paragraph></Descriptions.Item>}
            </Descriptions>
            <p className="yw-muted">{t('ex.usage.proofNote')}</p>
          </div>
        )}
      </Modal>
      <Modal
        open={!!flagging}
        title={t('ex.usage.flagTitle')}
        okText={t('ex.usage.flagSubmit')}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 4, 'data-testid': 'ex-usage-flag-submit' } as never}
        cancelText={t('ex.cancel')}
        onCancel={() => setFlagging(null)}
        onOk={async () => {
          try {
            const r = await post<{ caseNo: string }>(`/api/exchange/my-uses/${flagging!.receiptId}/flag`, { reason });
            setFlagging(null);
            setDone(t('ex.usage.flaggedOk', { caseNo: r.caseNo }));
            await list.reload();
          } catch (e) {
            setFlagError(e);
          }
        }}
      >
        <ErrorAlert error={flagError} onClose={() => setFlagError(null)} />
        {flagging && <p>{t('ex.usage.flagLead', { who: zh ? flagging.consumer.department : flagging.consumer.departmentEn, resource: flagging.resource.name })}</p>}
        <label htmlFor="ex-flag-reason">{t('ex.usage.flagReason')}</label>
        <Input.TextArea id="ex-flag-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="ex-usage-flag-reason" />
      </Modal>
    </div>
  );
}
