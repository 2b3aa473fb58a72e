import { useState } from 'react';
import { Alert, Button, Card, Checkbox, Form, Input, List, Modal, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { Views } from '../../../components/Views';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { fmtDate, type DataRequest, type Pkg, type SearchResult } from '../../../features/opendata/model';
import { TONES } from '../../../features/opendata/Portal';
import { DataTable } from '../../../components/DataTable';

interface Candidate {
  resourceId: string;
  code: string;
  name: string;
  description: string;
  provider: { name: string };
  openClass: 'unconditional' | 'conditional';
  fields: { name: string; label: string; type: string; personal: boolean }[];
  dataset: { id: string; name: string; status: string } | null;
}
interface Finding {
  column: string;
  kind: string;
  by: string;
  share?: number;
}
interface Grant {
  id: string;
  datasetTitle: string;
  applicant?: string;
  purpose: string;
  status: string;
  createdAt: string;
}
interface Vocabulary {
  themes: Record<string, { zh: string; en: string }>;
  licences: Record<string, { title: string; titleZh: string; open: boolean }>;
}

/** /admin/open-data: publish catalog resources as datasets (with the personal-data check), withdraw, decide access applications, answer data requests. */
export default function AdminOpenData() {
  const { t } = useTranslation();
  usePageTitle(t('od.admin.title'));
  return (
    <div className="yw-page" data-testid="od-admin">
      <h1 className="yw-page-title">{t('od.admin.title')}</h1>
      <Views
        label={t('od.admin.title')}
        views={[
          { key: 'publish', label: t('od.admin.tabs.publish'), content: <PublishTab /> },
          { key: 'datasets', label: t('od.admin.tabs.datasets'), content: <DatasetsTab /> },
          { key: 'access', label: t('od.admin.tabs.access'), content: <AccessTab /> },
          { key: 'requests', label: t('od.admin.tabs.requests'), content: <RequestsTab /> },
        ]}
      />
    </div>
  );
}

function PublishTab() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const zh = lang.startsWith('zh');
  const list = useLoad(() => get<Candidate[]>('/api/admin/opendata/candidates'), []);
  const vocab = useLoad(() => get<Vocabulary>('/api/opendata/vocabulary'), []);
  const [open, setOpen] = useState<Candidate | null>(null);
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [form] = Form.useForm();
  const start = async (c: Candidate) => {
    setOpen(c);
    setError(null);
    setFindings(null);
    form.setFieldsValue({ accessLevel: c.openClass === 'conditional' ? 'conditional' : 'open', licence: c.openClass === 'conditional' ? 'other-closed' : 'cc-by-4.0', themes: [], fields: c.fields.filter((f) => !f.personal).map((f) => f.name), documentation: '', terms: '' });
  };
  const check = async () => {
    try {
      const r = await post<{ ok: boolean; findings: Finding[] }>('/api/admin/opendata/check', { resourceId: open!.resourceId, fields: form.getFieldValue('fields') });
      setFindings(r.findings);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <ErrorAlert error={list.error} />
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<Candidate> label={t('od.admin.tabs.publish')}
          size="small"
          rowKey="resourceId"
          dataSource={list.data}
          pagination={false}
          data-testid="od-candidates"
          columns={[
            { title: t('od.admin.resource'), key: 'n', render: (_: unknown, c) => <><strong>{c.name}</strong><div>{c.code}</div></> },
            { title: t('od.publisher'), key: 'p', render: (_: unknown, c) => c.provider.name },
            { title: t('od.admin.accessLevel'), key: 'o', render: (_: unknown, c) => t(`od.admin.openClass.${c.openClass}`) },
            {
              title: '',
              key: 'a',
              render: (_: unknown, c) =>
                c.dataset ? <Tag style={c.dataset.status === 'published' ? TONES.green : undefined}>{c.dataset.status === 'published' ? t('od.admin.published') : t('od.admin.withdrawn')}</Tag> : <Button onClick={() => void start(c)} data-testid="od-publish-open">{t('od.admin.publish')}</Button>,
            },
          ]}
        />
      )}
      <Modal
        open={!!open}
        title={open?.name}
        onCancel={() => setOpen(null)}
        okText={t('od.admin.publish')}
        onOk={async () => {
          try {
            const v = await form.validateFields();
            const r = await post<Pkg>('/api/admin/opendata/datasets', { resourceId: open!.resourceId, ...v, documentation: v.documentation || undefined, terms: v.terms || undefined });
            setDone(t('od.admin.publishedOk', { title: r.title }));
            setOpen(null);
            await list.reload();
          } catch (e) {
            if ((e as { errorFields?: unknown }).errorFields) return;
            const body = (e as { body?: { findings?: Finding[] } }).body;
            if (body?.findings) setFindings(body.findings);
            setError(e);
          }
        }}
        width={720}
      >
        <ErrorAlert error={error} onClose={() => setError(null)} />
        {findings && (findings.length ? (
          <Alert type="error" showIcon className="yw-block-sm" title={t('od.admin.findings')} description={<ul>{findings.map((f) => <li key={f.column + f.kind}>{f.column} — {f.kind} ({f.by}{f.share !== undefined ? `, ${Math.round(f.share * 100)}%` : ''})</li>)}</ul>} data-testid="od-findings" />
        ) : (
          <Alert type="success" showIcon className="yw-block-sm" title={t('od.admin.checkOk')} />
        ))}
        <Form form={form} layout="vertical">
          <Form.Item name="fields" label={t('od.admin.fields')} rules={[{ required: true }]}>
            <Checkbox.Group options={(open?.fields ?? []).map((f) => ({ value: f.name, label: `${f.label}（${f.name}）${f.personal ? ' ⚠' : ''}` }))} />
          </Form.Item>
          <Button onClick={() => void check()} className="yw-block-sm">{t('od.admin.check')}</Button>
          <Form.Item name="accessLevel" label={t('od.admin.accessLevel')} rules={[{ required: true }]}>
            <Select options={(open?.openClass === 'conditional' ? ['conditional'] : ['open', 'account', 'conditional']).map((a) => ({ value: a, label: t(`od.access.${a}`) }))} />
          </Form.Item>
          <Form.Item name="licence" label={t('od.admin.licence')} rules={[{ required: true }]}>
            <Select options={Object.entries(vocab.data?.licences ?? {}).map(([k, l]) => ({ value: k, label: zh ? l.titleZh : l.title }))} />
          </Form.Item>
          <Form.Item name="themes" label={t('od.admin.themes')} rules={[{ required: true }]}>
            <Select mode="multiple" options={Object.entries(vocab.data?.themes ?? {}).map(([k, l]) => ({ value: k, label: zh ? l.zh : l.en }))} />
          </Form.Item>
          <Form.Item name="documentation" label={t('od.admin.documentation')}>
            <Input.TextArea rows={2} maxLength={8000} />
          </Form.Item>
          <Form.Item name="terms" label={t('od.admin.terms')}>
            <Input.TextArea rows={2} maxLength={8000} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function DatasetsTab() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const list = useLoad(() => get<SearchResult>('/api/admin/opendata/datasets?rows=200&sort=metadata_modified%20desc'), []);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <ErrorAlert error={error ?? list.error} onClose={() => setError(null)} />
      {!list.data ? <Loading /> : (
        <DataTable<Pkg> label={t('od.admin.tabs.datasets')}
          size="small"
          rowKey="id"
          dataSource={list.data.results}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('od.dataset'), key: 't', render: (_: unknown, d) => <a href={`/open-data/datasets/${d.name}`}>{d.title}</a> },
            { title: t('od.publisher'), key: 'p', render: (_: unknown, d) => d.organization.title },
            { title: t('od.admin.accessLevel'), key: 'a', render: (_: unknown, d) => t(`od.access.${d.access_level}`) },
            { title: t('od.quality'), key: 'q', render: (_: unknown, d) => d.quality.score },
            { title: t('od.modified'), key: 'm', render: (_: unknown, d) => fmtDate(d.metadata_modified, lang) },
            {
              title: '',
              key: 'x',
              render: (_: unknown, d) =>
                d.state === 'active' ? (
                  <Button danger size="small" onClick={async () => {
                    const reason = window.prompt(t('od.admin.withdrawReason'));
                    if (!reason) return;
                    try {
                      await post(`/api/admin/opendata/datasets/${d.id}/withdraw`, { reason });
                      await list.reload();
                    } catch (e) {
                      setError(e);
                    }
                  }}>{t('od.admin.withdraw')}</Button>
                ) : <Tag>{t('od.admin.withdrawn')}</Tag>,
            },
          ]}
        />
      )}
    </>
  );
}

function AccessTab() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const list = useLoad(() => get<Grant[]>('/api/admin/opendata/access-requests'), []);
  const [error, setError] = useState<unknown>(null);
  const decide = async (g: Grant, approve: boolean) => {
    try {
      await post(`/api/admin/opendata/access-requests/${g.id}/decide`, { approve, reason: approve ? undefined : window.prompt(t('od.admin.reason')) ?? undefined });
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <ErrorAlert error={error ?? list.error} onClose={() => setError(null)} />
      {!list.data ? <Loading /> : (
        <DataTable<Grant> label={t('od.admin.tabs.access')}
          size="small"
          rowKey="id"
          dataSource={list.data}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: t('od.admin.none') }}
          columns={[
            { title: t('od.dataset'), dataIndex: 'datasetTitle', key: 'd' },
            { title: t('od.admin.applicant'), dataIndex: 'applicant', key: 'a' },
            { title: t('od.purpose'), dataIndex: 'purpose', key: 'p' },
            { title: '', key: 'c', render: (_: unknown, g) => fmtDate(g.createdAt, lang) },
            {
              title: '',
              key: 's',
              render: (_: unknown, g) =>
                g.status === 'pending' ? (
                  <Space>
                    <Button size="small" type="primary" onClick={() => void decide(g, true)}>{t('od.admin.approve')}</Button>
                    <Button size="small" danger onClick={() => void decide(g, false)}>{t('od.admin.reject')}</Button>
                  </Space>
                ) : <Tag>{g.status}</Tag>,
            },
          ]}
        />
      )}
    </>
  );
}

function RequestsTab() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const list = useLoad(() => get<{ items: DataRequest[] }>('/api/admin/opendata/requests'), []);
  const [error, setError] = useState<unknown>(null);
  const [answering, setAnswering] = useState<DataRequest | null>(null);
  const [form] = Form.useForm();
  return (
    <>
      <ErrorAlert error={error ?? list.error} onClose={() => setError(null)} />
      {!list.data ? <Loading /> : (
        <List
          dataSource={list.data.items}
          locale={{ emptyText: t('od.admin.none') }}
          renderItem={(r) => (
            <List.Item actions={r.status === 'closed' ? [] : [<Button key="a" size="small" onClick={() => { setAnswering(r); form.resetFields(); }}>{t('od.admin.answerIt')}</Button>]}>
              <List.Item.Meta
                title={<>{r.title} <Tag>{t(`od.status.${r.status}`)}</Tag>{r.overdue && <Tag style={TONES.red}>{t('od.overdue')}</Tag>}</>}
                description={<><div>{r.description}</div><div>{t('od.due', { date: fmtDate(r.dueAt, lang) })}</div>{r.answer && <div>{t('od.answer')}：{r.answer}</div>}</>}
              />
            </List.Item>
          )}
        />
      )}
      <Modal open={!!answering} title={answering?.title} onCancel={() => setAnswering(null)} onOk={async () => {
        try {
          const v = await form.validateFields();
          await post(`/api/admin/opendata/requests/${answering!.id}/answer`, v);
          setAnswering(null);
          await list.reload();
        } catch (e) {
          if (!(e as { errorFields?: unknown }).errorFields) setError(e);
        }
      }}>
        <Card size="small">
          <Form form={form} layout="vertical">
            <Form.Item name="kind" label={t('od.answer')} rules={[{ required: true }]}>
              <Select options={['will_open', 'already_open', 'cannot_open'].map((k) => ({ value: k, label: t(`od.admin.answerKind.${k}`) }))} />
            </Form.Item>
            <Form.Item name="answer" label={t('od.admin.answerText')} rules={[{ required: true, min: 2 }]}>
              <Input.TextArea rows={3} />
            </Form.Item>
          </Form>
        </Card>
      </Modal>
    </>
  );
}
