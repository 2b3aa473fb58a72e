import { useEffect, useState } from 'react';
import { Alert, Breadcrumb, Button, Descriptions, Empty, Form, Input, List, Select, Space, Tag } from 'antd';
import { EditOutlined, PlusOutlined, RightOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { get, patch, post, put } from '../../../api';
import { useSession } from '../../../auth';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { FormModal } from '../../../components/FormModal';
import { Views } from '../../../components/Views';
import { DataTable } from '../../../components/DataTable';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, useLoad } from '../../../features/applications/common';

interface Region { code: string; name: string; level: string; parentCode: string | null; fullName: string }
interface Department { id: string; code: string; name: string; nameEn: string; regionCode: string; regionName: string; uscc: string | null; kind: string; parentId: string | null }
interface Holiday { name: { zh: string; en: string }; statutory: string[]; substitute: string[] }
interface Calendar {
  from: number; to: number; enteredYears: { year: number; source: string }[];
  provisional: { from: number; to: number; rule: { zh: string; en: string }; years: { year: number; holidays: Holiday[] }[] };
}

/** /admin/regions (区划与部门), platform admins: the region tree (GB/T 2260) with its departments, and the working-day calendar. */
export default function AdminRegions() {
  const { t } = useTranslation();
  usePageTitle(t('nav.admin.regions'));
  return (
    <div className="yw-page" data-testid="admin-regions">
      <h1 className="yw-page-title">{t('nav.admin.regions')}</h1>
      <Views
        label={t('nav.admin.regions')}
        testId="rg-views"
        views={[
          { key: 'regions', label: t('rg.tab'), content: <Regions /> },
          { key: 'calendar', label: t('rg.cal.tab'), content: <WorkCalendar /> },
        ]}
      />
    </div>
  );
}

function Regions() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { node } = useSession();
  const zh = lang.startsWith('zh');
  const [code, setCode] = useState<string | null>(null);
  const root = node?.regionCode ?? null;
  const current = code ?? root;
  const region = useLoad(() => (current ? get<Region>(`/api/regions/${current}`) : Promise.resolve(undefined)), [current]);
  const children = useLoad(() => (current ? get<Region[]>(`/api/regions/${current}/children`) : Promise.resolve([] as Region[])), [current]);
  const departments = useLoad(() => (current ? get<Department[]>(`/api/departments?region=${current}`) : Promise.resolve([] as Department[])), [current]);
  const [path, setPath] = useState<Region[]>([]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Department | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // The breadcrumb: from the node's region down to the current one.
  useEffect(() => {
    if (!region.data) return;
    setPath((old) => {
      const i = old.findIndex((r) => r.code === region.data!.code);
      return i >= 0 ? old.slice(0, i + 1) : [...old, region.data!];
    });
  }, [region.data]);
  if (!root) return <Loading />;
  return (
    <>
      <p className="yw-lead">{t('rg.lead')}</p>
      <Breadcrumb className="yw-block-sm" items={path.map((r, i) => ({ key: r.code, title: i === path.length - 1 ? <span aria-current="location">{r.name}</span> : <Button type="link" size="small" onClick={() => setCode(r.code)}>{r.name}</Button> }))} />
      <ErrorAlert error={region.error ?? children.error ?? departments.error} />
      {region.data && (
        <Descriptions size="small" column={{ xs: 1, sm: 3 }} className="yw-block-sm" data-testid="rg-current">
          <Descriptions.Item label={t('rg.code')}>{region.data.code}</Descriptions.Item>
          <Descriptions.Item label={t('rg.level')}>{t(`rg.levels.${region.data.level}`, { defaultValue: region.data.level })}</Descriptions.Item>
          <Descriptions.Item label={t('rg.fullName')}>{region.data.fullName}</Descriptions.Item>
        </Descriptions>
      )}
      <h2 className="yw-section-title">{t('rg.children')}</h2>
      {!children.data ? (
        <Loading />
      ) : children.data.length === 0 ? (
        <Empty description={t('rg.noChildren')} />
      ) : (
        <List
          className="yw-block"
          grid={{ gutter: 8, xs: 1, sm: 2, md: 3, lg: 4 }}
          dataSource={children.data}
          data-testid="rg-children"
          renderItem={(r) => (
            <List.Item>
              <Button block size={elder ? 'large' : 'middle'} onClick={() => setCode(r.code)} aria-label={`${r.name}（${r.code}）`} style={{ display: 'flex', justifyContent: 'space-between' }}>
                <span>{r.name} <span className="yw-muted">{r.code}</span></span>
                <RightOutlined aria-hidden="true" />
              </Button>
            </List.Item>
          )}
        />
      )}
      <h2 className="yw-section-title">{t('rg.departments')}</h2>
      <Space className="yw-block-sm" wrap>
        <Button icon={<PlusOutlined aria-hidden="true" />} onClick={() => { setCreating(true); setDone(null); }} data-testid="rg-new-dept">{t('rg.newDept')}</Button>
      </Space>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      {!departments.data ? (
        <Loading />
      ) : (
        <DataTable<Department>
          label={t('rg.departments')}
          size={elder ? 'large' : 'small'}
          rowKey="id"
          dataSource={departments.data}
          data-testid="rg-departments"
          pagination={departments.data.length > 30 ? { pageSize: 30 } : false}
          locale={{ emptyText: t('rg.noDepartments') }}
          columns={[
            { title: t('rg.deptName'), key: 'n', render: (_: unknown, d) => (zh ? d.name : d.nameEn) },
            { title: t('rg.deptCode'), dataIndex: 'code' },
            { title: t('rg.region'), dataIndex: 'regionName' },
            { title: t('rg.kind'), key: 'k', render: (_: unknown, d) => <Tag>{t(`rg.kinds.${d.kind}`, { defaultValue: d.kind })}</Tag> },
            { title: t('rg.uscc'), key: 'u', render: (_: unknown, d) => d.uscc ?? '—' },
            {
              title: t('st.actions'),
              key: 'a',
              render: (_: unknown, d) => (
                <Button size="small" icon={<EditOutlined aria-hidden="true" />} aria-label={`${t('rg.editDept')} ${zh ? d.name : d.nameEn}`} data-testid="rg-edit-dept" onClick={() => { setEditing(d); setDone(null); }}>
                  {t('rg.edit')}
                </Button>
              ),
            },
          ]}
        />
      )}
      {region.data && (
        <DepartmentForm
          open={creating || !!editing}
          region={region.data}
          editing={editing}
          departments={departments.data ?? []}
          onClose={() => { setCreating(false); setEditing(null); }}
          onSaved={async (d, created) => {
            setCreating(false);
            setEditing(null);
            setDone(t(created ? 'rg.deptCreated' : 'rg.deptUpdated', { name: zh ? d.name : d.nameEn }));
            await departments.reload();
          }}
        />
      )}
    </>
  );
}

interface DeptValues { code: string; name: string; nameEn: string; kind: string; uscc?: string; parentId?: string }

/**
 * A new department of the region, or an existing one edited (机构改革: renamed, moved under another
 * department, its kind or credit code changed). Its code and region stay: they key its items, staff
 * and records. An edit sends only what changed.
 */
function DepartmentForm({ open, region, editing, departments, onClose, onSaved }: { open: boolean; region: Region; editing: Department | null; departments: Department[]; onClose: () => void; onSaved: (d: Department, created: boolean) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<DeptValues>();
  const clean = (v: DeptValues) => ({ name: v.name.trim(), nameEn: v.nameEn.trim(), kind: v.kind, uscc: v.uscc?.trim() ? v.uscc.trim().toUpperCase() : undefined, parentId: v.parentId || undefined });
  return (
    <FormModal<DeptValues>
      open={open}
      form={form}
      initial={editing ? { code: editing.code, name: editing.name, nameEn: editing.nameEn, kind: editing.kind, uscc: editing.uscc ?? undefined, parentId: editing.parentId ?? undefined } : { kind: 'legal_authority' }}
      title={editing ? `${t('rg.editDept')}：${editing.name}` : `${t('rg.newDept')}：${region.fullName}`}
      okText={editing ? t('rg.save') : t('st.create')}
      cancelText={t('st.cancel')}
      onClose={onClose}
      onSubmit={async (v) => {
        const c = clean(v);
        if (!editing) {
          await onSaved(await post<Department>('/api/admin/departments', { ...c, code: v.code, regionCode: region.code }), true);
          return;
        }
        const was = { name: editing.name, nameEn: editing.nameEn, kind: editing.kind, uscc: editing.uscc ?? undefined, parentId: editing.parentId ?? undefined };
        const changed = Object.fromEntries(
          (Object.keys(c) as (keyof typeof c)[]).filter((k) => c[k] !== was[k]).map((k) => [k, c[k] ?? null]),
        );
        if (!Object.keys(changed).length) return onClose();
        await onSaved(await patch<Department>(`/api/admin/departments/${editing.id}`, changed), false);
      }}
    >
        <Form.Item name="name" label={t('rg.deptName')} rules={[{ required: true, whitespace: true, min: 2, message: t('st.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('rg.deptNameEn')} rules={[{ required: true, whitespace: true, min: 2, message: t('st.required') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="code" label={t('rg.deptCode')} extra={editing ? t('rg.codeFixed') : t('rg.deptCodeHint')} rules={[{ required: true, message: t('st.required') }, { pattern: /^[A-Z0-9_-]{2,32}$/, message: t('rg.deptCodeHint') }]}>
          <Input maxLength={32} disabled={!!editing} />
        </Form.Item>
        <Form.Item name="kind" label={t('rg.kind')} rules={[{ required: true }]}>
          <Select options={['legal_authority', 'authorised_org', 'entrusted_org'].map((k) => ({ value: k, label: t(`rg.kinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="uscc" label={t('rg.usccOptional')} rules={[{ pattern: /^\s*[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}\s*$/, message: t('rg.usccShape') }]}>
          <Input maxLength={18} />
        </Form.Item>
        <Form.Item name="parentId" label={t('rg.parentOptional')}>
          <Select allowClear options={departments.filter((d) => d.id !== editing?.id).map((d) => ({ value: d.id, label: d.name }))} />
        </Form.Item>
    </FormModal>
  );
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const dates = (text: string) => [...new Set(text.split(/[\s,，、;；]+/).map((s) => s.trim()).filter(Boolean))].sort();

function WorkCalendar() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { me } = useSession();
  const zh = lang.startsWith('zh');
  const cal = useLoad(() => get<Calendar>('/api/calendar'), []);
  const [entering, setEntering] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const canEnter = !!me?.account.roles.includes('platform_admin');
  if (!cal.data) return <><ErrorAlert error={cal.error} /><Loading /></>;
  const c = cal.data;
  const rows = [
    ...Array.from({ length: c.to - c.from + 1 }, (_, i) => c.from + i).map((year) => {
      const entered = c.enteredYears.find((e) => e.year === year);
      return { year, state: entered ? 'entered' : 'official', source: entered?.source ?? null, holidays: null as Holiday[] | null };
    }),
    ...c.provisional.years.filter((p) => p.year > c.to).map((p) => ({ year: p.year, state: 'provisional', source: null, holidays: p.holidays })),
  ];
  return (
    <>
      <p className="yw-lead">{t('rg.cal.lead', { from: c.from, to: c.to })}</p>
      {done && <Alert type="success" showIcon role="status" title={done} className="yw-block-sm" />}
      <ErrorAlert error={cal.error} />
      <DataTable<(typeof rows)[number]>
        label={t('rg.cal.tab')}
        size={elder ? 'large' : 'small'}
        rowKey="year"
        dataSource={rows}
        data-testid="rg-calendar"
        pagination={false}
        expandable={{
          rowExpandable: (r) => !!r.holidays,
          expandedRowRender: (r) => (
            <>
              <p className="yw-muted">{zh ? c.provisional.rule.zh : c.provisional.rule.en}</p>
              <ul>
                {r.holidays!.map((h) => (
                  <li key={h.name.en}>{zh ? h.name.zh : h.name.en}：{h.statutory.join('、')}{h.substitute.length ? `（${t('rg.cal.substitute')} ${h.substitute.join('、')}）` : ''}</li>
                ))}
              </ul>
            </>
          ),
        }}
        columns={[
          { title: t('rg.cal.year'), dataIndex: 'year' },
          { title: t('rg.cal.state'), key: 's', render: (_: unknown, r) => <Tag color={r.state === 'provisional' ? 'orange' : 'green'}>{t(`rg.cal.states.${r.state}`)}</Tag> },
          { title: t('rg.cal.source'), key: 'src', render: (_: unknown, r) => r.source ?? (r.state === 'official' ? t('rg.cal.package') : t('rg.cal.rule')) },
          ...(canEnter
            ? [{ title: t('st.actions'), key: 'a', render: (_: unknown, r: (typeof rows)[number]) => (r.state === 'provisional' ? <Button size="small" type="primary" onClick={() => { setEntering(r.year); setDone(null); }} data-testid={`rg-enter-${r.year}`}>{t('rg.cal.enter')}</Button> : null) }]
            : []),
        ]}
      />
      <EnterYear year={entering} onClose={() => setEntering(null)} onDone={async (y) => { setEntering(null); setDone(t('rg.cal.entered', { year: y })); await cal.reload(); }} />
    </>
  );
}

interface YearValues { holidays: string; workdays?: string; source: string }

function EnterYear({ year, onClose, onDone }: { year: number | null; onClose: () => void; onDone: (year: number) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<YearValues>();
  const dateRule = { validator: async (_: unknown, v?: string) => { if (v && dates(v).some((d) => !DATE_RE.test(d))) throw new Error(t('rg.cal.datesShape')); } };
  return (
    <FormModal<YearValues>
      open={year !== null}
      form={form}
      title={t('rg.cal.enterTitle', { year })}
      okText={t('rg.cal.enterOk')}
      cancelText={t('st.cancel')}
      width={640}
      lead={<p>{t('rg.cal.enterLead')}</p>}
      onClose={onClose}
      onSubmit={async (v) => {
        await put(`/api/admin/calendar/${year}`, { holidays: dates(v.holidays), workdays: dates(v.workdays ?? ''), source: v.source.trim() });
        await onDone(year!);
      }}
    >
        <Form.Item name="source" label={t('rg.cal.sourceLabel')} extra={t('rg.cal.sourceHint', { year })} rules={[{ required: true, whitespace: true, min: 4, message: t('st.required') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="holidays" label={t('rg.cal.holidays')} extra={t('rg.cal.datesHint')} rules={[{ required: true, message: t('st.required') }, dateRule]}>
          <Input.TextArea rows={4} />
        </Form.Item>
        <Form.Item name="workdays" label={t('rg.cal.workdays')} extra={t('rg.cal.datesHint')} rules={[dateRule]}>
          <Input.TextArea rows={2} />
        </Form.Item>
    </FormModal>
  );
}
