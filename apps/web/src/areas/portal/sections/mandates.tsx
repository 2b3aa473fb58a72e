import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Empty, Form, Input, Modal, Radio, Select, Space, Tag } from 'antd';
import { PlusOutlined, SwapOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { del, get, post } from '../../../api';
import { useSession } from '../../../auth';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { FormModal } from '../../../components/FormModal';
import { Views } from '../../../components/Views';
import { DataTable } from '../../../components/DataTable';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';

interface Mandate {
  id: string;
  agent: { id: string; displayName: string };
  principal: { id: string; displayName: string };
  scope: string[];
  reason: string;
  validFrom: string;
  validUntil: string;
  revokedAt: string | null;
}
interface Theme { code: string; name: string; nameEn: string }
interface StaffMember { personId: string; displayName: string; role: 'legal_rep' | 'staff'; validUntil: string | null; revokedAt: string | null }

type MandateState = 'active' | 'revoked' | 'expired' | 'pending';
function stateOf(m: { validFrom?: string; validUntil: string | null; revokedAt: string | null }): MandateState {
  if (m.revokedAt) return 'revoked';
  if (m.validUntil && Date.parse(m.validUntil) <= Date.now()) return 'expired';
  if (m.validFrom && Date.parse(m.validFrom) > Date.now()) return 'pending';
  return 'active';
}
const STATE_COLOR: Record<MandateState, string> = { active: 'green', revoked: 'default', expired: 'default', pending: 'blue' };

/** A date picked in the form (yyyy-mm-dd) as the end of that day in Beijing time. */
const endOfDay = (date: string) => `${date}T23:59:59+08:00`;
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const monthsFromNow = (n: number) => {
  const d = new Date();
  d.setMonth(d.getMonth() + n);
  return isoDate(d);
};

/**
 * 代办授权 (/portal/mandates). A person authorises an agent (name and ID number as on the ID card,
 * which services, until when, why), sees the mandates they gave and hold, ends one, and switches to
 * acting for a principal. Acting as an enterprise, the page manages its authorised staff (经办人):
 * the legal representative adds and withdraws them; staff see who is authorised.
 */
export default function PortalMandates() {
  const { t } = useTranslation();
  const { me } = useSession();
  const enterprise = !!me?.actingAs;
  usePageTitle(enterprise ? t('md.staff.title') : t('nav.portal.mandates'));
  if (!me) return <Loading />;
  return (
    <div className="yw-page" data-testid="mandates-page">
      <h1 className="yw-page-title">{enterprise ? t('md.staff.title') : t('nav.portal.mandates')}</h1>
      {me.actingAs ? <EnterpriseStaff legalRep={me.actingAs.role === 'legal_rep'} enterprise={me.actingAs.displayName} /> : me.actingFor ? <ActingForNotice /> : <MyMandates />}
    </div>
  );
}

/** An agent acting for someone manages mandates as themselves: offer the way back. */
function ActingForNotice() {
  const { t } = useTranslation();
  const { me, act } = useSession();
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Alert type="info" showIcon className="yw-block-sm" title={t('md.actingFor', { name: me!.actingFor!.displayName })} />
      <ErrorAlert error={error} />
      <Button type="primary" icon={<SwapOutlined aria-hidden="true" />} data-testid="md-act-self" onClick={async () => {
        try {
          await act({ as: 'self' });
        } catch (e) {
          setError(e);
        }
      }}>
        {t('md.backToSelf')}
      </Button>
    </>
  );
}

function MyMandates() {
  const { t } = useTranslation();
  const { me } = useSession();
  const list = useLoad(() => get<Mandate[]>('/api/mandates'), []);
  const themes = useLoad(() => get<Theme[]>('/api/catalog/themes'), []);
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const myId = me!.account.id;
  const given = (list.data ?? []).filter((m) => m.principal.id === myId);
  const held = (list.data ?? []).filter((m) => m.agent.id === myId);
  const labels = useScopeLabels(list.data ?? [], themes.data ?? []);
  return (
    <>
      <p className="yw-lead">{t('md.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} onClick={() => { setCreating(true); setDone(null); }} data-testid="md-new">
          {t('md.new')}
        </Button>
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" data-testid="md-done" />}
      <ErrorAlert error={list.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <Views
          label={t('nav.portal.mandates')}
          testId="md-views"
          views={[
            { key: 'given', label: `${t('md.given')}（${given.length}）`, content: <MandateTable rows={given} side="given" labels={labels} onChanged={async (msg) => { setDone(msg); await list.reload(); }} /> },
            { key: 'held', label: `${t('md.held')}（${held.length}）`, content: <MandateTable rows={held} side="held" labels={labels} onChanged={async (msg) => { setDone(msg); await list.reload(); }} /> },
          ]}
        />
      )}
      <NewMandate
        open={creating}
        themes={themes.data ?? []}
        onClose={() => setCreating(false)}
        onCreated={async (m) => { setCreating(false); setDone(t('md.created', { name: m.agent.displayName })); await list.reload(); }}
      />
    </>
  );
}

/** Readable names of scope entries: all services, a life or business event, or an item (its guide's name). */
function useScopeLabels(mandates: Mandate[], themes: Theme[]): (s: string) => string {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const zh = lang.startsWith('zh');
  const [items, setItems] = useState<Record<string, string>>({});
  const ids = useMemo(() => [...new Set(mandates.flatMap((m) => m.scope).filter((s) => s !== '*' && !s.startsWith('theme:')))], [mandates]);
  useEffect(() => {
    const missing = ids.filter((id) => !(id in items));
    if (!missing.length) return;
    let live = true;
    void Promise.all(missing.map((id) => get<{ name?: string }>(`/api/catalog/items/${encodeURIComponent(id)}`).then((g) => [id, g.name ?? id] as const, () => [id, id] as const))).then((pairs) => {
      if (live) setItems((old) => ({ ...old, ...Object.fromEntries(pairs) }));
    });
    return () => { live = false; };
  }, [ids, items]);
  return (s) => {
    if (s === '*') return t('md.scopeAll');
    if (s.startsWith('theme:')) {
      const th = themes.find((x) => x.code === s.slice(6));
      return th ? (zh ? th.name : th.nameEn) : s.slice(6);
    }
    return items[s] ?? s;
  };
}

function MandateTable({ rows, side, labels, onChanged }: { rows: Mandate[]; side: 'given' | 'held'; labels: (s: string) => string; onChanged: (msg: string) => Promise<void> }) {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { act } = useSession();
  const navigate = useNavigate();
  const [ending, setEnding] = useState<Mandate | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!rows.length) return <Empty description={side === 'given' ? t('md.noneGiven') : t('md.noneHeld')} />;
  const other = (m: Mandate) => (side === 'given' ? m.agent.displayName : m.principal.displayName);
  return (
    <>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <DataTable<Mandate>
        label={side === 'given' ? t('md.given') : t('md.held')}
        size={elder ? 'large' : 'middle'}
        rowKey="id"
        dataSource={rows}
        data-testid={`md-${side}`}
        pagination={rows.length > 20 ? { pageSize: 20 } : false}
        columns={[
          { title: side === 'given' ? t('md.agent') : t('md.principal'), key: 'who', render: (_: unknown, m) => other(m) },
          { title: t('md.scope'), key: 'scope', render: (_: unknown, m) => m.scope.map((s) => <Tag key={s}>{labels(s)}</Tag>) },
          { title: t('md.reason'), dataIndex: 'reason' },
          { title: t('md.period'), key: 'period', render: (_: unknown, m) => <>{formatTime(m.validFrom, lang)} — {formatTime(m.validUntil, lang)}</> },
          { title: t('md.state'), key: 'state', render: (_: unknown, m) => { const s = stateOf(m); return <Tag color={STATE_COLOR[s]}>{t(`md.states.${s}`)}</Tag>; } },
          {
            title: t('md.actions'),
            key: 'a',
            render: (_: unknown, m) =>
              stateOf(m) === 'revoked' || stateOf(m) === 'expired' ? null : (
                <Space wrap>
                  {side === 'held' && stateOf(m) === 'active' && (
                    <Button size="small" type="primary" data-testid="md-act" aria-label={`${t('md.actFor')} ${m.principal.displayName}`} onClick={async () => {
                      try {
                        await act({ as: 'principal', id: m.principal.id });
                        navigate('/portal');
                      } catch (e) {
                        setError(e);
                      }
                    }}>
                      {t('md.actFor')}
                    </Button>
                  )}
                  <Button size="small" danger data-testid="md-end" aria-label={`${side === 'given' ? t('md.revoke') : t('md.decline')} ${other(m)}`} onClick={() => { setEnding(m); setError(null); }}>
                    {side === 'given' ? t('md.revoke') : t('md.decline')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={!!ending}
        title={side === 'given' ? t('md.revokeTitle') : t('md.declineTitle')}
        okText={side === 'given' ? t('md.revoke') : t('md.decline')}
        okButtonProps={{ danger: true, 'data-testid': 'md-end-confirm' } as never}
        cancelText={t('md.cancel')}
        onCancel={() => setEnding(null)}
        onOk={async () => {
          try {
            await del(`/api/mandates/${ending!.id}`);
            const name = other(ending!);
            setEnding(null);
            await onChanged(side === 'given' ? t('md.revoked', { name }) : t('md.declined', { name }));
          } catch (e) {
            setEnding(null);
            setError(e);
          }
        }}
      >
        {ending && <p>{side === 'given' ? t('md.revokeLead', { name: ending.agent.displayName }) : t('md.declineLead', { name: ending.principal.displayName })}</p>}
      </Modal>
    </>
  );
}

interface NewMandateValues { agentName: string; agentIdNumber: string; scopeKind: 'all' | 'some'; themes?: string[]; items?: string[]; validUntil: string; reason: string }

function NewMandate({ open, themes, onClose, onCreated }: { open: boolean; themes: Theme[]; onClose: () => void; onCreated: (m: Mandate) => Promise<void> }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const zh = lang.startsWith('zh');
  const [form] = Form.useForm<NewMandateValues>();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<{ value: string; label: string }[]>([]);
  const scopeKind = Form.useWatch('scopeKind', form);
  useEffect(() => {
    if (!q.trim()) return;
    let live = true;
    const timer = setTimeout(() => {
      void get<{ items: { id: string; name: string; departmentName: string }[] }>(`/api/catalog/search?kind=item&facets=false&limit=20&q=${encodeURIComponent(q.trim())}`).then(
        (r) => live && setFound(r.items.map((i) => ({ value: i.id, label: `${i.name}（${i.departmentName}）` }))),
        () => undefined,
      );
    }, 250);
    return () => { live = false; clearTimeout(timer); };
  }, [q]);
  const submit = async (v: NewMandateValues) => {
    const scope = v.scopeKind === 'all' ? ['*'] : [...(v.themes ?? []).map((c) => `theme:${c}`), ...(v.items ?? [])];
    await onCreated(await post<Mandate>('/api/mandates', { agentName: v.agentName.trim(), agentIdNumber: v.agentIdNumber.trim().toUpperCase(), scope, reason: v.reason.trim(), validUntil: endOfDay(v.validUntil) }));
  };
  return (
    <FormModal<NewMandateValues> open={open} form={form} initial={{ scopeKind: 'all', validUntil: monthsFromNow(6) }} title={t('md.new')} okText={t('md.grant')} cancelText={t('md.cancel')} onClose={onClose} onSubmit={submit} okTestId="md-submit" formTestId="md-form" width={640} lead={<p>{t('md.newLead')}</p>}>
        <Form.Item name="agentName" label={t('md.agentName')} rules={[{ required: true, whitespace: true, message: t('md.required') }]}>
          <Input autoComplete="off" maxLength={64} data-testid="md-agent-name" />
        </Form.Item>
        <Form.Item
          name="agentIdNumber"
          label={t('md.agentIdNumber')}
          extra={t('md.agentIdNumberHint')}
          rules={[{ required: true, message: t('md.required') }, { pattern: /^\s*[0-9]{17}[0-9Xx]\s*$/, message: t('md.idShape') }]}
        >
          <Input autoComplete="off" maxLength={20} inputMode="text" data-testid="md-agent-id" />
        </Form.Item>
        <Form.Item name="scopeKind" label={t('md.scope')} rules={[{ required: true }]}>
          <Radio.Group options={[{ value: 'all', label: t('md.scopeAll') }, { value: 'some', label: t('md.scopeSome') }]} />
        </Form.Item>
        {scopeKind === 'some' && (
          <>
            <Form.Item name="themes" label={t('md.scopeThemes')}>
              <Select mode="multiple" allowClear optionFilterProp="label" options={themes.map((th) => ({ value: th.code, label: zh ? th.name : th.nameEn }))} />
            </Form.Item>
            <Form.Item
              name="items"
              label={t('md.scopeItems')}
              extra={t('md.scopeItemsHint')}
              dependencies={['themes']}
              rules={[{ validator: async (_, items?: string[]) => { if (!(items?.length || form.getFieldValue('themes')?.length)) throw new Error(t('md.scopeEmpty')); } }]}
            >
              <Select mode="multiple" allowClear showSearch={{ filterOption: false, onSearch: setQ }} options={found} notFoundContent={q ? t('md.noItems') : t('md.typeToSearch')} />
            </Form.Item>
          </>
        )}
        <Form.Item name="validUntil" label={t('md.validUntil')} rules={[{ required: true, message: t('md.required') }, { validator: async (_, v?: string) => { if (v && v <= isoDate(new Date())) throw new Error(t('md.future')); } }]}>
          <Input type="date" min={isoDate(new Date(Date.now() + 86_400_000))} data-testid="md-valid-until" />
        </Form.Item>
        <Form.Item name="reason" label={t('md.reason')} extra={t('md.reasonHint')} rules={[{ required: true, whitespace: true, min: 2, message: t('md.reasonShort') }]}>
          <Input.TextArea rows={2} maxLength={500} data-testid="md-reason" />
        </Form.Item>
    </FormModal>
  );
}

/** 经办人: the enterprise's authorised staff. The legal representative adds and withdraws them. */
function EnterpriseStaff({ legalRep, enterprise }: { legalRep: boolean; enterprise: string }) {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const list = useLoad(() => get<StaffMember[]>('/api/enterprise/staff'), []);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<StaffMember | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [form] = Form.useForm<{ idNumber: string; validUntil?: string }>();
  return (
    <>
      <p className="yw-lead">{t(legalRep ? 'md.staff.leadRep' : 'md.staff.leadStaff', { name: enterprise })}</p>
      {legalRep && (
        <Space className="yw-block-sm" wrap>
          <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} data-testid="est-add" onClick={() => { setError(null); setDone(null); setAdding(true); }}>
            {t('md.staff.add')}
          </Button>
        </Space>
      )}
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      <ErrorAlert error={list.error ?? error} />
      {!list.data ? (
        <Loading />
      ) : (
        <DataTable<StaffMember>
          label={t('md.staff.title')}
          size={elder ? 'large' : 'middle'}
          rowKey="personId"
          dataSource={list.data}
          data-testid="est-list"
          pagination={false}
          columns={[
            { title: t('md.staff.name'), dataIndex: 'displayName' },
            { title: t('md.staff.role'), key: 'role', render: (_: unknown, s) => <Tag color={s.role === 'legal_rep' ? 'blue' : undefined}>{t(`acting.role.${s.role}`)}</Tag> },
            { title: t('md.validUntil'), key: 'until', render: (_: unknown, s) => (s.validUntil ? formatTime(s.validUntil, lang) : t('md.staff.noEnd')) },
            { title: t('md.state'), key: 'state', render: (_: unknown, s) => { const st = stateOf(s); return <Tag color={STATE_COLOR[st]}>{t(`md.states.${st}`)}</Tag>; } },
            ...(legalRep
              ? [{
                  title: t('md.actions'),
                  key: 'a',
                  render: (_: unknown, s: StaffMember) =>
                    s.role === 'staff' && stateOf(s) === 'active' ? (
                      <Button size="small" danger aria-label={`${t('md.staff.remove')} ${s.displayName}`} data-testid="est-remove" onClick={() => { setRemoving(s); setError(null); }}>
                        {t('md.staff.remove')}
                      </Button>
                    ) : null,
                }]
              : []),
          ]}
        />
      )}
      <FormModal<{ idNumber: string; validUntil?: string }>
        open={adding}
        form={form}
        title={t('md.staff.add')}
        okText={t('md.staff.addOk')}
        cancelText={t('md.cancel')}
        okTestId="est-submit"
        formTestId="est-form"
        lead={<p>{t('md.staff.addLead', { name: enterprise })}</p>}
        onClose={() => setAdding(false)}
        onSubmit={async (v) => {
          const rows = await post<StaffMember[]>('/api/enterprise/staff', { idNumber: v.idNumber.trim().toUpperCase(), ...(v.validUntil ? { validUntil: endOfDay(v.validUntil) } : {}) });
          setAdding(false);
          setDone(t('md.staff.added'));
          list.setData(rows);
        }}
      >
        <Form.Item name="idNumber" label={t('md.staff.idNumber')} extra={t('md.agentIdNumberHint')} rules={[{ required: true, message: t('md.required') }, { pattern: /^\s*[0-9]{17}[0-9Xx]\s*$/, message: t('md.idShape') }]}>
          <Input autoComplete="off" maxLength={20} data-testid="est-id" />
        </Form.Item>
        <Form.Item name="validUntil" label={t('md.staff.validUntilOptional')} rules={[{ validator: async (_, v?: string) => { if (v && v <= isoDate(new Date())) throw new Error(t('md.future')); } }]}>
          <Input type="date" min={isoDate(new Date(Date.now() + 86_400_000))} />
        </Form.Item>
      </FormModal>
      <Modal
        open={!!removing}
        title={t('md.staff.removeTitle')}
        okText={t('md.staff.remove')}
        okButtonProps={{ danger: true, 'data-testid': 'est-remove-confirm' } as never}
        cancelText={t('md.cancel')}
        onCancel={() => setRemoving(null)}
        onOk={async () => {
          try {
            await del(`/api/enterprise/staff/${removing!.personId}`);
            setDone(t('md.staff.removed', { name: removing!.displayName }));
            setRemoving(null);
            await list.reload();
          } catch (e) {
            setRemoving(null);
            setError(e);
          }
        }}
      >
        {removing && <p>{t('md.staff.removeLead', { name: removing.displayName, enterprise })}</p>}
      </Modal>
    </>
  );
}
