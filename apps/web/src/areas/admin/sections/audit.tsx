import { useEffect, useState } from 'react';
import { Button, Descriptions, Empty, Form, Input, Select, Space, Tag, Typography } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { useSession } from '../../../auth';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { DataTable } from '../../../components/DataTable';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime } from '../../../features/applications/common';

interface Entry {
  id: number; at: string; action: string; outcome: string;
  actorId: string | null; actorName: string | null; actorKind: string | null; actorRoles: string[] | null; actorDepartmentId: string | null; actorRegionCode: string | null;
  actingAsId: string | null; actingForId: string | null; entityType: string; entityId: string | null; detail: Record<string, unknown>; ip: string | null; requestId: string | null;
}
interface Filters { actionPrefix?: string; action?: string; entityType?: string; entityId?: string; actorId?: string; from?: string; to?: string }

/** The action families of the platform (the first part of an action name), for the filter. */
const FAMILIES = ['identity', 'application', 'task', 'catalog', 'licences', 'payment', 'exchange', 'opendata', 'resources', 'review', 'rectification', 'inquiry', 'oversight', 'notifications', 'files', 'org'];
/** A data administrator reads only these (the server's DATA_ACTION_PREFIXES). */
const DATA_FAMILIES = ['exchange', 'opendata', 'resources'];
const PAGE = 50;

/** yyyy-mm-dd (a day in Beijing time) as the instant it starts. */
const dayStart = (d: string) => new Date(`${d}T00:00:00+08:00`).toISOString();
const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00+08:00`) + 86_400_000).toISOString();

function queryOf(f: Filters, cursor?: string): string {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (f.actionPrefix) p.set('actionPrefix', `${f.actionPrefix}.`);
  for (const k of ['action', 'entityType', 'entityId', 'actorId'] as const) if (f[k]?.trim()) p.set(k, f[k]!.trim());
  if (f.from) p.set('from', dayStart(f.from));
  if (f.to) p.set('to', dayAfter(f.to));
  if (cursor) p.set('cursor', cursor);
  return `/api/audit?${p}`;
}

/**
 * 审计日志 (/admin/audit, and /oversight/audit for supervisors): who did what, when, on which
 * record — for platform administrators all of it, supervisors their region, department admins
 * their department, data administrators data sharing, open data and the resource catalogue.
 * Filters by action family or exact action, record, actor and days; newest first, more on demand
 * (keyset cursor). Personal data arrives masked from the server.
 */
export default function AdminAudit() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { me } = useSession();
  usePageTitle(t('nav.admin.audit'));
  const roles = me?.account.roles ?? [];
  // The server's scope (modules/audit auditScope), in the same order: the first role that applies.
  const scope = roles.includes('platform_admin') ? 'all' : roles.includes('supervisor') ? 'region' : roles.includes('dept_admin') ? 'department' : 'data';
  const dataOnly = scope === 'data';
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [items, setItems] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = async (f: Filters, cursor?: string) => {
    setBusy(true);
    setError(null);
    try {
      const r = await get<{ items: Entry[]; next: string | null }>(queryOf(f, cursor));
      setItems((old) => (cursor && old ? [...old, ...r.items] : r.items));
      setNext(r.next);
      setFilters(f);
    } catch (e) {
      setError(e);
      if (!cursor) setItems([]);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load({});
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const actorFilter = (e: Entry) => {
    if (!e.actorId) return;
    form.setFieldsValue({ actorId: e.actorId });
    void load({ ...filters, actorId: e.actorId });
  };

  return (
    <div className="yw-page" data-testid="admin-audit">
      <h1 className="yw-page-title">{t('nav.admin.audit')}</h1>
      <p className="yw-lead">{t(`au.leads.${scope}`)}</p>
      <Form form={form} layout="vertical" className="yw-block-sm yw-audit-filters" onFinish={(v) => void load(v)} data-testid="au-filters">
        <Space wrap align="end" size={[12, 0]}>
          <Form.Item name="actionPrefix" label={t('au.family')}>
            <Select allowClear style={{ width: elder ? 240 : 180 }} options={(dataOnly ? DATA_FAMILIES : FAMILIES).map((f) => ({ value: f, label: `${t(`au.families.${f}`)}（${f}）` }))} data-testid="au-family" />
          </Form.Item>
          <Form.Item name="action" label={t('au.action')}>
            <Input allowClear placeholder="identity.mandate.create" style={{ width: elder ? 260 : 220 }} />
          </Form.Item>
          <Form.Item name="entityType" label={t('au.entityType')}>
            <Input allowClear placeholder="account" style={{ width: 140 }} />
          </Form.Item>
          <Form.Item name="entityId" label={t('au.entityId')}>
            <Input allowClear style={{ width: elder ? 300 : 240 }} />
          </Form.Item>
          <Form.Item name="actorId" label={t('au.actorId')} rules={[{ pattern: /^\s*[0-9a-f-]{36}\s*$/i, message: t('au.actorIdShape') }]}>
            <Input allowClear style={{ width: elder ? 340 : 300 }} />
          </Form.Item>
          <Form.Item name="from" label={t('au.from')}>
            <Input type="date" style={{ width: 170 }} data-testid="au-from" />
          </Form.Item>
          <Form.Item name="to" label={t('au.to')}>
            <Input type="date" style={{ width: 170 }} data-testid="au-to" />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined aria-hidden="true" />} loading={busy} data-testid="au-search">{t('au.search')}</Button>
              <Button onClick={() => { form.resetFields(); void load({}); }}>{t('au.reset')}</Button>
            </Space>
          </Form.Item>
        </Space>
      </Form>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {items === null ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty description={t('au.none')} data-testid="au-result" />
      ) : (
        <div data-testid="au-result">
          <DataTable<Entry>
            label={t('nav.admin.audit')}
            size={elder ? 'large' : 'small'}
            rowKey="id"
            dataSource={items}
            data-testid="au-table"
            pagination={false}
            expandable={{
              expandedRowRender: (e) => (
                <Descriptions size="small" column={1} bordered>
                  <Descriptions.Item label={t('au.detail')}><Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', marginBottom: 0 }}>{JSON.stringify(e.detail, null, 2)}</Typography.Paragraph></Descriptions.Item>
                  {e.actorRoles && <Descriptions.Item label={t('au.roles')}>{e.actorRoles.map((r) => t(`role.${r}`, { defaultValue: r })).join('、')}</Descriptions.Item>}
                  {e.actingAsId && <Descriptions.Item label={t('au.actingAs')}><Typography.Text code>{e.actingAsId}</Typography.Text></Descriptions.Item>}
                  {e.actingForId && <Descriptions.Item label={t('au.actingFor')}><Typography.Text code>{e.actingForId}</Typography.Text></Descriptions.Item>}
                  {e.actorRegionCode && <Descriptions.Item label={t('au.region')}>{e.actorRegionCode}</Descriptions.Item>}
                  <Descriptions.Item label={t('au.ip')}>{e.ip ?? '—'}</Descriptions.Item>
                  <Descriptions.Item label={t('au.requestId')}><Typography.Text code copyable={!!e.requestId}>{e.requestId ?? '—'}</Typography.Text></Descriptions.Item>
                </Descriptions>
              ),
            }}
            columns={[
              { title: t('au.at'), key: 'at', render: (_: unknown, e) => <span style={{ whiteSpace: 'nowrap' }}>{formatTime(e.at, lang)}</span> },
              {
                title: t('au.actor'),
                key: 'actor',
                render: (_: unknown, e) =>
                  e.actorId ? (
                    <Button type="link" size="small" onClick={() => actorFilter(e)} aria-label={t('au.onlyActor', { name: e.actorName ?? e.actorId })}>
                      {e.actorName ?? e.actorId.slice(0, 8)}
                    </Button>
                  ) : (
                    <span>{e.actorKind ? t(`kind.${e.actorKind}`, { defaultValue: e.actorKind }) : t('au.system')}</span>
                  ),
              },
              { title: t('au.action'), key: 'action', render: (_: unknown, e) => <><Tag>{t(`au.families.${e.action.split('.')[0]}`, { defaultValue: e.action.split('.')[0] })}</Tag><Typography.Text code>{e.action}</Typography.Text></> },
              { title: t('au.entity'), key: 'entity', render: (_: unknown, e) => <>{e.entityType}{e.entityId && <div className="yw-muted" style={{ wordBreak: 'break-all' }}>{e.entityId}</div>}</> },
              { title: t('au.outcome'), key: 'o', render: (_: unknown, e) => <Tag color={e.outcome === 'success' ? 'green' : 'red'}>{t(`au.outcomes.${e.outcome}`, { defaultValue: e.outcome })}</Tag> },
            ]}
          />
          <Space className="yw-block-sm" wrap>
            <span role="status">{t('au.shown', { count: items.length })}</span>
            {next && <Button onClick={() => void load(filters, next)} loading={busy} data-testid="au-more">{t('au.more')}</Button>}
          </Space>
        </div>
      )}
    </div>
  );
}
