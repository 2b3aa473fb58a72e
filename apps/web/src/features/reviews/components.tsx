/**
 * Building blocks of the reviews and 12345 pages: the rating form (every indicator chosen by the
 * person — nothing pre-selected), the map point picker (a clickable box of the region's bounds, no
 * map tiles: the network is closed), the inquiry form with knowledge-base suggestions while
 * typing, the inquiry detail with its confirmation, and the statistics tables.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Descriptions, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { usePrefs } from '../../prefs';
import './reviews.css';
import { ErrorAlert } from '../applications/common';
import { uploadFile } from '../applications/SchemaForm';
import { useSession } from '../../auth';
import { LEVELS, fmtTime, inquiriesApi, isBad, pct, pick, type Category, type InquiryView, type KnowledgeEntry, type Rating, type RegionBox, type ReviewView } from './model';
import { DataTable } from '../../components/DataTable';

// ---- rating ------------------------------------------------------------------------------------

export type Tone = 'good' | 'info' | 'warn' | 'bad' | 'plain';

/** A status tag whose colours meet WCAG AA (antd's preset tag colours do not at 12px). */
export function RvTag({ tone = 'plain', children }: { tone?: Tone; children: ReactNode }) {
  return <span className={`rv-tag rv-tag-${tone}`}>{children}</span>;
}

export function LevelTag({ level }: { level: number }) {
  const { t } = useTranslation();
  return <RvTag tone={level >= 4 ? 'good' : level === 3 ? 'info' : 'bad'}>{t(`rv.level.${level}`)}</RvTag>;
}

/** A native select: accessible, keyboard-friendly, and testable with selectOption. */
export function NativeSelect({ label, value, onChange, options, testid, placeholder }: { label: string; value: string | undefined; onChange: (v: string) => void; options: { value: string; label: string }[]; testid?: string; placeholder?: string }) {
  return (
    <label className="rv-field">
      <span>{label}</span>
      <select className="rv-select" value={value ?? ''} onChange={(e) => onChange(e.target.value)} data-testid={testid}>
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function RatingForm({ indicators, title, submitLabel, onSubmit, testid = 'rating-form' }: { indicators: readonly string[]; title: string; submitLabel?: string; onSubmit: (r: Rating) => Promise<void>; testid?: string }) {
  const { t } = useTranslation();
  const [scores, setScores] = useState<Record<string, number>>({});
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const level = scores.overall;
  const bad = level !== undefined && isBad(level);
  const submit = async () => {
    if (indicators.some((k) => scores[k] === undefined)) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setBusy(true);
    try {
      await onSubmit({ level, scores, comment: comment.trim() || undefined });
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={<h2 className="rv-card-title">{title}</h2>} className="yw-block-sm" data-testid={testid}>
      <p className="yw-lead">{t('rv.form.noDefault')}</p>
      {indicators.map((k) => (
        <fieldset key={k} className="rv-levels" data-testid={`indicator-${k}`}>
          <legend>{t(`rv.indicator.${k}`)}</legend>
          {LEVELS.map((l) => (
            <label key={l} className={`rv-level${scores[k] === l ? ' rv-level-on' : ''}`}>
              <input type="radio" name={`${testid}-${k}`} value={l} checked={scores[k] === l} onChange={() => setScores((s) => ({ ...s, [k]: l }))} data-testid={`rate-${k}-${l}`} />
              {t(`rv.level.${l}`)}
            </label>
          ))}
        </fieldset>
      ))}
      <label className="rv-field">
        <span>{bad ? t('rv.form.commentBad') : t('rv.form.comment')}</span>
        <Input.TextArea value={comment} onChange={(e) => setComment(e.target.value)} rows={3} maxLength={1000} placeholder={bad ? t('rv.form.commentBad') : t('rv.form.commentHint')} data-testid="rate-comment" />
      </label>
      {missing && <Alert className="yw-block-sm" type="warning" showIcon role="alert" title={t('rv.form.incomplete')} />}
      <ErrorAlert error={error} />
      <Button type="primary" loading={busy} onClick={() => void submit()} data-testid="rate-submit">
        {submitLabel ?? t('rv.submit')}
      </Button>
    </Card>
  );
}

export function ReviewSummary({ review }: { review: ReviewView }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  return (
    <Card className="yw-block-sm" data-testid="review-summary" data-level={review.level}>
      <p>
        <LevelTag level={review.level} /> {review.comment}
      </p>
      {review.case && (
        <>
          <p data-testid="review-case" data-state={review.case.state}>
            {t('rv.mine.case', { number: review.case.number, state: t(`rv.caseState.${review.case.state}`) })}
          </p>
          {review.case.measures && <p>{t('rv.form.measures', { text: review.case.measures })}</p>}
          {review.case.feedback && <p>{t('rv.form.feedback', { text: review.case.feedback })}</p>}
        </>
      )}
      <h3 className="rv-h3">{t('rv.form.history')}</h3>
      <ul className="rv-list">
        {review.history.map((h, i) => (
          <li key={i}>
            {fmtTime(h.at, lang)} · {t(`rv.form.kind.${h.kind}`)} · {t(`rv.level.${h.level}`)} {h.comment ? `· ${h.comment}` : ''}
          </li>
        ))}
      </ul>
    </Card>
  );
}

// ---- map point -----------------------------------------------------------------------------------

const W = 320;
const H = 220;

export function MapPicker({ box, value, onChange }: { box: RegionBox; value: { lat: number; lng: number } | null; onChange: (v: { lat: number; lng: number } | null) => void }) {
  const { t } = useTranslation();
  const [lat, setLat] = useState(value ? String(value.lat) : '');
  const [lng, setLng] = useState(value ? String(value.lng) : '');
  useEffect(() => {
    setLat(value ? String(value.lat) : '');
    setLng(value ? String(value.lng) : '');
  }, [value]);
  const x = value ? ((value.lng - box.minLng) / (box.maxLng - box.minLng)) * W : 0;
  const y = value ? ((box.maxLat - value.lat) / (box.maxLat - box.minLat)) * H : 0;
  const click = (e: React.MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    const py = ((e.clientY - r.top) / r.height) * H;
    const round = (v: number) => Math.round(v * 1e5) / 1e5;
    onChange({ lat: round(box.maxLat - (py / H) * (box.maxLat - box.minLat)), lng: round(box.minLng + (px / W) * (box.maxLng - box.minLng)) });
  };
  const typed = (la: string, ln: string) => {
    setLat(la);
    setLng(ln);
    const a = Number(la);
    const b = Number(ln);
    if (la && ln && Number.isFinite(a) && Number.isFinite(b)) onChange({ lat: a, lng: b });
  };
  return (
    <div className="rv-map" data-testid="map-picker">
      <p id="rv-map-help">{t('rv.map.label', { region: box.name })}</p>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} onClick={click} aria-hidden="true" data-testid="map-box" className="rv-map-svg">
        <rect x={0} y={0} width={W} height={H} className="rv-map-bg" />
        {[1, 2, 3].map((i) => (
          <line key={`v${i}`} x1={(W / 4) * i} y1={0} x2={(W / 4) * i} y2={H} className="rv-map-grid" />
        ))}
        {[1, 2].map((i) => (
          <line key={`h${i}`} x1={0} y1={(H / 3) * i} x2={W} y2={(H / 3) * i} className="rv-map-grid" />
        ))}
        {value && <circle cx={x} cy={y} r={7} className="rv-map-pin" data-testid="map-pin" />}
      </svg>
      <div className="ya-row">
        <label className="rv-field-inline">
          {t('rv.map.lat')}
          <Input value={lat} onChange={(e) => typed(e.target.value, lng)} inputMode="decimal" style={{ width: 140 }} data-testid="map-lat" aria-describedby="rv-map-help" />
        </label>
        <label className="rv-field-inline">
          {t('rv.map.lng')}
          <Input value={lng} onChange={(e) => typed(lat, e.target.value)} inputMode="decimal" style={{ width: 140 }} data-testid="map-lng" aria-describedby="rv-map-help" />
        </label>
        <Button onClick={() => onChange(null)}>{t('rv.map.clear')}</Button>
      </div>
      <p aria-live="polite">{value ? t('rv.map.chosen', { lat: value.lat, lon: value.lng }) : t('rv.map.none')}</p>
    </div>
  );
}

// ---- inquiries -----------------------------------------------------------------------------------

export function KnowledgeSuggestions({ q }: { q: string }) {
  const { t } = useTranslation();
  const [list, setList] = useState<KnowledgeEntry[]>([]);
  useEffect(() => {
    if (q.trim().length < 2) {
      setList([]);
      return;
    }
    const timer = setTimeout(() => {
      inquiriesApi.knowledge(q).then(setList, () => setList([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);
  if (!list.length) return null;
  return (
    <Card size="small" className="yw-block-sm" title={<h3 className="rv-h3">{t('rv.inq.suggest')}</h3>} data-testid="kb-suggestions">
      {list.slice(0, 4).map((e) => (
        <details key={e.id} className="rv-kb">
          <summary>{e.question}</summary>
          <p>{e.answer}</p>
        </details>
      ))}
    </Card>
  );
}

export interface InquiryFormProps {
  /** Kinds offered (anonymous pages offer only 'report'). */
  kinds: string[];
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  /** Offer attachments (signed-in people only: an upload would reveal an anonymous informant). */
  attachments?: boolean;
}

/** Photos and PDF documents, each at most 10 MB, at most 9 (the server checks the same). */
const ATTACH_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', pdf: 'application/pdf' };
const ATTACH_MAX_BYTES = 10 * 1024 * 1024;
const ATTACH_MAX = 9;

function Attachments({ value, onChange }: { value: { id: string; name: string }[]; onChange: (v: { id: string; name: string }[]) => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (list: FileList | null) => {
    setError(null);
    let cur = value;
    for (const f of Array.from(list ?? [])) {
      const ext = f.name.split('.').pop()?.toLowerCase() ?? '';
      if (!ATTACH_TYPES[ext]) return setError(t('rv.inq.attachType', { name: f.name }));
      if (f.size > ATTACH_MAX_BYTES) return setError(t('rv.inq.attachSize', { name: f.name }));
      if (cur.length >= ATTACH_MAX) return setError(t('rv.inq.attachMany', { n: ATTACH_MAX }));
      setBusy(true);
      try {
        const up = await uploadFile(f, me?.csrfToken ?? null);
        cur = [...cur, { id: up.id, name: f.name }];
        onChange(cur);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      } finally {
        setBusy(false);
      }
    }
  };
  return (
    <div className="rv-field" data-testid="inq-attachments">
      <label htmlFor="inq-attach-input">{t('rv.inq.attachments')}</label>
      <input id="inq-attach-input" type="file" multiple accept=".jpg,.jpeg,.png,.pdf" disabled={busy} onChange={(e) => void add(e.target.files)} data-testid="inq-attach" />
      <span className="rv-hint">{t('rv.inq.attachLimits', { n: ATTACH_MAX })}</span>
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      {value.length > 0 && (
        <ul className="rv-list">
          {value.map((f) => (
            <li key={f.id}>
              {f.name}{' '}
              <Button size="small" type="link" onClick={() => onChange(value.filter((x) => x.id !== f.id))} aria-label={t('rv.inq.attachRemove', { name: f.name })}>
                {t('rv.inq.remove')}
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function InquiryForm({ kinds, onSubmit, attachments = false }: InquiryFormProps) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [cats, setCats] = useState<Category[]>([]);
  const [regions, setRegions] = useState<RegionBox[]>([]);
  const [kind, setKind] = useState(kinds[0]);
  const [category, setCategory] = useState<string>();
  const [regionCode, setRegionCode] = useState('350102');
  const [urgency, setUrgency] = useState('normal');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [point, setPoint] = useState<{ lat: number; lng: number } | null>(null);
  const [files, setFiles] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    inquiriesApi.categories().then(setCats, setError);
    inquiriesApi.regions().then(setRegions, setError);
  }, []);
  const options = cats.filter((c) => c.kinds.includes(kind));
  useEffect(() => {
    if (category && !options.some((c) => c.code === category)) setCategory(undefined);
  }, [kind, category, options]);
  const box = regions.find((r) => r.regionCode === regionCode) ?? regions.find((r) => r.regionCode === '350100');
  const submit = async () => {
    setBusy(true);
    try {
      await onSubmit({ kind, category, urgency, title, content, regionCode, ...(point ? { location: point } : {}), ...(files.length ? { attachmentIds: files.map((f) => f.id) } : {}) });
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card className="yw-block-sm" data-testid="inquiry-form">
      {kinds.length > 1 && (
        <fieldset className="rv-levels">
          <legend>{t('rv.inq.kind')}</legend>
          {kinds.map((k) => (
            <label key={k} className={`rv-level${kind === k ? ' rv-level-on' : ''}`}>
              <input type="radio" name="inq-kind" checked={kind === k} onChange={() => setKind(k)} data-testid={`inq-kind-${k}`} />
              {t(`rv.inq.kinds.${k}`)}
            </label>
          ))}
        </fieldset>
      )}
      <div className="rv-grid">
        <NativeSelect label={t('rv.inq.category')} value={category} onChange={setCategory} placeholder="—" options={options.map((c) => ({ value: c.code, label: `${c.group} · ${pick(c, lang)}` }))} testid="inq-category" />
        <NativeSelect
          label={t('rv.inq.region')}
          value={regionCode}
          onChange={(v) => {
            setRegionCode(v);
            setPoint(null);
          }}
          options={regions.map((r) => ({ value: r.regionCode, label: r.name }))}
          testid="inq-region"
        />
        <NativeSelect label={t('rv.inq.urgency')} value={urgency} onChange={setUrgency} options={['normal', 'urgent'].map((u) => ({ value: u, label: t(`rv.inq.urgencyOpt.${u}`) }))} testid="inq-urgency" />
      </div>
      <label className="rv-field">
        <span>{t('rv.inq.title')}</span>
        <Input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={100} data-testid="inq-title" />
      </label>
      <KnowledgeSuggestions q={title} />
      <label className="rv-field">
        <span>{t('rv.inq.content')}</span>
        <Input.TextArea value={content} onChange={(e) => setContent(e.target.value)} rows={4} maxLength={4000} data-testid="inq-content" />
      </label>
      <h3 className="rv-h3">{t('rv.inq.location')}</h3>
      {box && <MapPicker box={box} value={point} onChange={setPoint} />}
      {attachments && <Attachments value={files} onChange={setFiles} />}
      <ErrorAlert error={error} />
      <Button type="primary" loading={busy} onClick={() => void submit()} data-testid="inq-submit">
        {t('rv.submit')}
      </Button>
    </Card>
  );
}

export function InquiryStateTag({ i }: { i: InquiryView }) {
  const { t } = useTranslation();
  return (
    <>
      <RvTag tone={i.state === 'closed' ? 'good' : i.state === 'replied' ? 'info' : 'warn'}>{t(`rv.inq.states.${i.state}`)}</RvTag>
      {(i.overdue || i.responseOverdue) && <RvTag tone="bad">{t('rv.inq.overdue')}</RvTag>}
      {i.escalated && <RvTag tone="bad">{t('rv.inq.escalated')}</RvTag>}
    </>
  );
}

export function InquiryDetail({ i, actions, trackingCode, onChanged }: { i: InquiryView; actions?: ReactNode; trackingCode?: string; onChanged?: (v: InquiryView) => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [resolved, setResolved] = useState<boolean | null>(null);
  const [sat, setSat] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const confirm = async () => {
    if (resolved === null || sat === null) return;
    try {
      onChanged?.(await inquiriesApi.confirm(i.id, { resolved, satisfaction: sat, comment: comment || undefined, ...(trackingCode ? { trackingCode } : {}) }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div data-testid="inquiry-detail" data-state={i.state}>
      <Descriptions bordered size="small" column={1} className="yw-block-sm">
        <Descriptions.Item label={t('rv.inq.number')}>{i.number}</Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.kind')}>
          {t(`rv.inq.kinds.${i.kind}`)} · {pick(i.categoryLabel, lang)}
        </Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.state')}>
          <InquiryStateTag i={i} />
        </Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.region')}>{i.regionName}</Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.department')}>{i.department ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.respondDue')}>{fmtTime(i.respondDue, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.resolveDue')}>{fmtTime(i.resolveDue, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('rv.inq.content')}>{i.content}</Descriptions.Item>
        {i.location && <Descriptions.Item label={t('rv.inq.location')}>{`${i.location.lat}, ${i.location.lng}`}</Descriptions.Item>}
        {!!i.attachmentIds?.length && (
          <Descriptions.Item label={t('rv.inq.attachments')}>
            <ul className="rv-list" data-testid="inq-attachment-links">
              {i.attachmentIds.map((f, n) => (
                <li key={f}>
                  <a href={`/api/files/${f}`} target="_blank" rel="noreferrer">{t('rv.inq.attachment', { n: n + 1 })}</a>
                </li>
              ))}
            </ul>
          </Descriptions.Item>
        )}
        {i.informant !== undefined && (
          <Descriptions.Item label={t('rv.inq.informant')}>
            {i.anonymous ? t('rv.inq.anonymous') : i.informant && i.informant.visible ? [i.informant.name, i.informant.mobile].filter(Boolean).join(' · ') : t('rv.inq.informantHidden')}
          </Descriptions.Item>
        )}
        {i.reply && <Descriptions.Item label={t('rv.inq.reply')}><span data-testid="inquiry-reply">{i.reply}</span></Descriptions.Item>}
        {i.satisfaction !== null && <Descriptions.Item label={t('rv.inq.satisfaction')}>{t(`rv.level.${i.satisfaction}`)}</Descriptions.Item>}
      </Descriptions>
      {actions}
      {i.canConfirm && (
        <Card title={<h2 className="rv-card-title">{t('rv.inq.confirmTitle')}</h2>} className="yw-block-sm" data-testid="inquiry-confirm">
          <fieldset className="rv-levels">
            <legend>{t('rv.inq.resolved')}</legend>
            {[true, false].map((v) => (
              <label key={String(v)} className={`rv-level${resolved === v ? ' rv-level-on' : ''}`}>
                <input type="radio" name="inq-resolved" checked={resolved === v} onChange={() => setResolved(v)} data-testid={`inq-resolved-${v}`} />
                {v ? t('rv.inq.yes') : t('rv.inq.no')}
              </label>
            ))}
          </fieldset>
          <fieldset className="rv-levels">
            <legend>{t('rv.inq.satisfaction')}</legend>
            {LEVELS.map((l) => (
              <label key={l} className={`rv-level${sat === l ? ' rv-level-on' : ''}`}>
                <input type="radio" name="inq-sat" checked={sat === l} onChange={() => setSat(l)} data-testid={`inq-sat-${l}`} />
                {t(`rv.level.${l}`)}
              </label>
            ))}
          </fieldset>
          <label className="rv-field">
            <span>{t('rv.form.comment')}</span>
            <Input.TextArea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={1000} />
          </label>
          <ErrorAlert error={error} />
          <Button type="primary" disabled={resolved === null || sat === null} onClick={() => void confirm()} data-testid="inq-confirm">
            {t('rv.inq.confirm')}
          </Button>
        </Card>
      )}
      {i.timeline && (
        <Card title={<h2 className="rv-card-title">{t('rv.inq.timeline')}</h2>} className="yw-block-sm">
          <ul className="rv-list">
            {i.timeline.map((e, n) => (
              <li key={n}>
                {fmtTime(e.at, lang)} {e.actor ? `· ${e.actor}` : ''} · {e.note}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

export function InquiryTable({ rows, base, testid, label }: { rows: InquiryView[]; base: string; testid: string; label?: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  return (
    <DataTable label={label ?? t(base.startsWith('/portal') ? 'nav.portal.inquiries' : 'nav.workbench.inquiries')}
      rowKey="id"
      dataSource={rows}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: t('rv.inq.empty') }}
      data-testid={testid}
      onRow={(r) => ({ 'data-testid': 'inquiry-row', 'data-number': r.number }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t('rv.inq.number'), dataIndex: 'number', render: (v: string, r) => <Link to={`${base}/${r.id}`}>{v}</Link> },
        { title: t('rv.inq.title'), dataIndex: 'title' },
        { title: t('rv.inq.kind'), render: (_: unknown, r) => t(`rv.inq.kinds.${r.kind}`) },
        { title: t('rv.inq.state'), render: (_: unknown, r) => <InquiryStateTag i={r} /> },
        { title: t('rv.inq.department'), dataIndex: 'department', render: (v: string | null) => v ?? '—' },
        { title: t('rv.inq.resolveDue'), render: (_: unknown, r) => fmtTime(r.resolveDue, lang) },
      ]}
    />
  );
}

export { pct };
