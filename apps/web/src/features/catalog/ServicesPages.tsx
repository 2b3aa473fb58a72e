/**
 * 办事服务: the services home (search, life events and business events, popular bundles and
 * services), the results (filters with counts, highlighting) and the service guides (办事指南)
 * of an item and of a bundle. Used at /services (public) and /portal/services, /portal/bundles.
 */
import { Fragment } from 'react';
import { Collapse, Pagination } from 'antd';
import { Link, Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { NotFound, Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { usePrefs } from '../../prefs';
import { ApiError } from '../../api';
import { Days, ErrorAlert, ExemptBadge, loc, Marked, SearchBox } from './common';
import { catalogApi, useLoad, type BundleGuide, type FacetName, type ItemGuide, type SearchHit } from './model';

const FILTERS = ['theme', 'type', 'object', 'department', 'region', 'depth', 'crossProvince'] as const;
const FACET_PARAM: Record<FacetName, (typeof FILTERS)[number]> = { theme: 'theme', type: 'type', object: 'object', department: 'department', region: 'region', depth: 'depth', crossProvince: 'crossProvince' };
const PAGE = 10;

/** Routes of the services pages under `base` (/services or /portal/services). */
export function ServicesRoutes({ base }: { base: string }) {
  return (
    <Routes>
      <Route index element={<ServicesIndex base={base} />} />
      <Route path="items/:id" element={<ItemGuidePage base={base} />} />
      <Route path="bundles/:id" element={<BundleGuidePage base={base} />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function ServicesIndex({ base }: { base: string }) {
  const [params] = useSearchParams();
  const searching = params.has('q') || FILTERS.some((f) => params.has(f));
  return searching ? <SearchResults base={base} /> : <ServicesHome base={base} />;
}

export function ServicesHome({ base }: { base: string }) {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  usePageTitle(t('cat.home.title'));
  const themes = useLoad(() => catalogApi.themes(), []);
  const bundles = useLoad(() => catalogApi.bundles(), []);
  const popular = useLoad(() => catalogApi.search({ kind: 'item', limit: elder ? 6 : 12, facets: false }), [elder]);
  const person = (themes.data ?? []).filter((x) => x.audience === 'person' && x.count > 0);
  const business = (themes.data ?? []).filter((x) => x.audience === 'enterprise' && x.count > 0);
  const themeTiles = (list: typeof person) => (
    <ul className="yc-tiles">
      {list.map((th) => (
        <li key={th.code}>
          <Link to={`${base}?theme=${th.code}`} data-testid="theme-tile">
            <span className="yc-tile-title">{lang.startsWith('zh') ? th.name : th.nameEn}</span>
            <span className="yc-meta">{t('cat.home.services', { count: th.count })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
  return (
    <div className="yw-page" data-testid="services-home">
      <h1 className="yw-page-title">{t('cat.home.title')}</h1>
      <p className="yw-lead">{t('cat.home.lead')}</p>
      <SearchBox base={base} large autoFocus />
      <p className="yc-meta">{t('cat.home.examples')}</p>
      <ErrorAlert error={themes.error ?? bundles.error ?? popular.error} />
      <section aria-labelledby="life-events" className="yw-block">
        <h2 id="life-events" className="yw-section-title">{t('cat.home.lifeEvents')}</h2>
        {themes.loading && !themes.data ? <Loading /> : themeTiles(person)}
      </section>
      {!elder ? (
        <section aria-labelledby="business-events" className="yw-block">
          <h2 id="business-events" className="yw-section-title">{t('cat.home.businessEvents')}</h2>
          {themeTiles(business)}
        </section>
      ) : null}
      <section aria-labelledby="bundles" className="yw-block">
        <h2 id="bundles" className="yw-section-title">{t('cat.home.bundles')}</h2>
        <ul className="yc-tiles">
          {(bundles.data ?? []).map((b) => (
            <li key={b.id}>
              <Link to={`${base}/bundles/${b.id}`} data-testid="bundle-tile">
                <span className="yc-tile-title">{b.name}</span>
                <span className="yc-meta">{t('cat.bundle.summary', { items: b.items, days: b.promisedDays, sum: b.sumPromisedDays })}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="popular" className="yw-block">
        <h2 id="popular" className="yw-section-title">{t('cat.home.popular')}</h2>
        <ul className="yc-tiles">
          {(popular.data?.items ?? []).map((h) => (
            <li key={h.id}>
              <Link to={`${base}/items/${h.id}`}>
                <span className="yc-tile-title">{h.name}</span>
                <span className="yc-meta">{h.departmentName}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

export function SearchResults({ base }: { base: string }) {
  const { t } = useTranslation();
  const { elder } = usePrefs();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const query: Record<string, string | number> = { q, limit: PAGE, offset };
  for (const f of FILTERS) if (params.get(f)) query[f] = params.get(f)!;
  const key = JSON.stringify(query);
  usePageTitle(q ? t('cat.results.titleFor', { q }) : t('cat.results.title'));
  const { data, error, loading } = useLoad(() => catalogApi.search(query), [key]);
  const setFilter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(name);
    else next.set(name, value);
    next.delete('offset');
    setParams(next);
  };
  const facetOrder: FacetName[] = elder ? ['theme', 'type'] : ['theme', 'type', 'object', 'depth', 'crossProvince', 'department', 'region'];
  const active = FILTERS.filter((f) => params.get(f));
  return (
    <div className="yw-page" data-testid="services-results">
      <h1 className="yw-page-title">{q ? t('cat.results.titleFor', { q }) : t('cat.results.title')}</h1>
      <SearchBox base={base} initial={q} />
      <ErrorAlert error={error} />
      {data ? (
        <p className="yc-meta" role="status" data-testid="results-total">
          {data.query.relaxed ? t('cat.results.relaxed') + ' ' : ''}
          {data.totalExact ? t('cat.results.total', { count: data.total }) : t('cat.results.totalAtLeast', { count: data.total })}
          {data.query.terms.length ? ' · ' + t('cat.results.understood', { terms: data.query.terms.map((alts) => alts.join(' / ')).join(' + ') }) : ''}
        </p>
      ) : null}
      {active.length ? (
        <div className="yc-row yw-block-sm">
          {active.map((f) => (
            <button key={f} type="button" className="yc-badge yc-badge-info" onClick={() => setFilter(f, null)} data-testid="active-filter" aria-label={t('cat.results.removeFilter', { name: t(`cat.facet.${f}`) })}>
              {t(`cat.facet.${f}`)}: {labelOfFilter(data?.facets, f, params.get(f)!)} ✕
            </button>
          ))}
        </div>
      ) : null}
      <div className="yc-results">
        <nav aria-label={t('cat.results.filters')} className="yc-facets" data-testid="facets">
          {data
            ? facetOrder.map((name) => {
                const values = data.facets[name];
                if (!values.length) return null;
                const param = FACET_PARAM[name];
                const current = params.get(param);
                return (
                  <div key={name} className="yc-facet" data-testid={`facet-${name}`}>
                    <h2 className="yc-facet-title" style={{ fontSize: 'inherit' }}>
                      <span style={{ fontWeight: 700 }}>{t(`cat.facet.${name}`)}</span>
                    </h2>
                    <ul>
                      {values.slice(0, 12).map((v) => (
                        <li key={v.value}>
                          <a
                            href={`?${new URLSearchParams({ ...Object.fromEntries(params), [param]: v.value }).toString()}`}
                            aria-current={current === v.value ? 'true' : undefined}
                            onClick={(e) => {
                              e.preventDefault();
                              setFilter(param, current === v.value ? null : v.value);
                            }}
                          >
                            <span>{facetLabel(name, v.value, v.label, t)}</span>
                            <span className="yc-meta">
                              {!data.facetsExact && (name === 'department' || name === 'region') ? '≈' : ''}
                              {v.count}
                            </span>
                          </a>
                        </li>
                      ))}
                    </ul>
                  </div>
                );
              })
            : null}
          {data && !data.facetsExact ? <p className="yc-meta">{t('cat.results.estimated')}</p> : null}
        </nav>
        <div>
          {loading && !data ? <Loading /> : null}
          {data && !data.items.length ? <p data-testid="no-results">{t('cat.results.none')}</p> : null}
          <ul className="yc-list" data-testid="results">
            {(data?.items ?? []).map((h) => (
              <ResultRow key={h.id} hit={h} base={base} />
            ))}
          </ul>
          {data && data.total > PAGE ? (
            <Pagination
              className="yw-block"
              current={Math.floor(offset / PAGE) + 1}
              pageSize={PAGE}
              total={Math.min(data.total, 1000)}
              showSizeChanger={false}
              onChange={(page) => {
                const next = new URLSearchParams(params);
                next.set('offset', String((page - 1) * PAGE));
                setParams(next);
              }}
            />
          ) : null}
        </div>
      </div>
    </div>
  );
}

function facetLabel(name: FacetName, value: string, label: string, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (name === 'depth') return t(`cat.depth.${value}`);
  if (name === 'crossProvince') return value === 'true' ? t('cat.cross.yes') : t('cat.cross.no');
  if (name === 'object') return t(`cat.object.${value}`, { defaultValue: label });
  return label;
}

function labelOfFilter(facets: Record<FacetName, { value: string; label: string }[]> | undefined, f: string, v: string): string {
  const hit = facets?.[f as FacetName]?.find((x) => x.value === v);
  return hit?.label ?? v;
}

function ResultRow({ hit, base }: { hit: SearchHit; base: string }) {
  const { t } = useTranslation();
  const href = hit.kind === 'bundle' ? `${base}/bundles/${hit.id}` : `${base}/items/${hit.id}`;
  return (
    <li data-testid="result" data-id={hit.id}>
      <div className="yc-row">
        <h2 className="yc-list-title yc-grow">
          <Link to={href}>
            <Marked html={hit.highlight.name} />
          </Link>
        </h2>
        {hit.kind === 'bundle' ? <span className="yc-badge yc-badge-bundle">{t('cat.bundle.badge')}</span> : null}
        {hit.crossProvince ? <span className="yc-badge yc-badge-info">{t('cat.cross.yes')}</span> : null}
        {hit.onlineDepth === 4 ? <span className="yc-badge yc-badge-exempt">{t('cat.depth.short4')}</span> : null}
      </div>
      <div className="yc-row yc-meta">
        <span>{hit.departmentName}</span>
        <span>{hit.itemTypeLabel}</span>
        <span>
          {t('cat.guide.promised')}: <Days n={hit.promisedDays} />
        </span>
        <span>{t('cat.results.materials', { count: hit.materialCount, exempt: hit.exemptCount })}</span>
      </div>
      {hit.highlight.matches.length ? (
        <div className="yc-meta">
          {t('cat.results.matched')}{' '}
          {hit.highlight.matches.map((m, i) => (
            <Fragment key={i}>
              {i ? '、' : ''}
              <Marked html={m} />
            </Fragment>
          ))}
        </div>
      ) : null}
    </li>
  );
}

function useNotFound(error: unknown) {
  return error instanceof ApiError && (error.status === 404 || error.status === 400);
}

/** 办事指南 of an item. */
export function ItemGuidePage({ base }: { base: string }) {
  const { id } = useParams();
  const { data, error, loading } = useLoad(() => catalogApi.item(id!), [id]);
  const notFound = useNotFound(error);
  if (notFound) return <NotFound />;
  return (
    <div className="yw-page" data-testid="item-guide">
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? <ItemGuideView g={data} base={base} /> : null}
    </div>
  );
}

export function ItemGuideView({ g, base }: { g: ItemGuide; base: string }) {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  usePageTitle(g.name);
  const required = g.materials.filter((m) => m.requirement === 'required');
  const conditional = g.materials.filter((m) => m.requirement === 'conditional');
  const applyHref = `/portal/applications/new?item=${g.id}`;
  return (
    <>
      <nav aria-label={t('cat.guide.breadcrumb')} className="yc-meta yc-crumbs yw-block-sm">
        <Link to={base}>{t('cat.home.title')}</Link> / {g.name}
      </nav>
      <h1 className="yw-page-title" data-testid="guide-title">{g.name}</h1>
      <p className="yc-row yc-meta">
        <span>{g.department.name}</span>
        <span>{g.itemType && loc(lang, g.itemType)}</span>
        <span>{t('cat.guide.version', { version: g.version })}</span>
        {g.aliases.length ? <span>{t('cat.guide.aliases', { aliases: g.aliases.join('、') })}</span> : null}
      </p>
      {g.status === 'retired' ? <p className="yc-badge yc-badge-warn">{t('cat.guide.retired', { reason: g.retired?.reason ?? '' })}</p> : null}
      <div className="yc-sticky-apply yw-block-sm">
        {g.status === 'published' && g.onlineDepth.level >= 2 ? (
          <Link to={applyHref} className="yw-link-button yw-link-button-primary" data-testid="apply-online">
            {t('cat.guide.apply')}
          </Link>
        ) : null}
        <span className="yc-meta">{loc(lang, g.onlineDepth)}</span>
      </div>

      <section className="yc-guide-section" aria-labelledby="g-basics">
        <h2 id="g-basics">{t('cat.guide.basics')}</h2>
        <dl className="yc-facts">
          <div data-testid="legal-limit">
            <dt>{t('cat.guide.legal')}</dt>
            <dd>
              <Days n={g.legalLimit.days} />
              <span className="yc-explain">{g.legalLimit.note || t('cat.guide.legalExplain')}</span>
            </dd>
          </div>
          <div data-testid="promised-limit">
            <dt>{t('cat.guide.promised')}</dt>
            <dd>
              <Days n={g.promisedLimit.days} />
              <span className="yc-explain">{g.promisedLimit.note || t('cat.guide.promisedExplain')}</span>
            </dd>
          </div>
          <div>
            <dt>{t('cat.guide.handlingKind')}</dt>
            <dd>
              {loc(lang, g.handlingKind)}
              <span className="yc-explain">{t(`cat.guide.handlingExplain.${g.handlingKind.code}`, { defaultValue: '' })}</span>
            </dd>
          </div>
          <div data-testid="visits">
            <dt>{t('cat.guide.visits')}</dt>
            <dd>
              {g.visits === 0 ? t('cat.guide.zeroVisits') : t('cat.guide.visitsN', { count: g.visits })}
              {g.visitsReason ? <span className="yc-explain">{g.visitsReason}</span> : null}
            </dd>
          </div>
          <div>
            <dt>{t('cat.guide.fees')}</dt>
            <dd>{g.free ? t('cat.guide.free') : g.fees.map((f) => `${f.name}：${f.standard}`).join('；')}</dd>
          </div>
          <div>
            <dt>{t('cat.guide.result')}</dt>
            <dd>
              {g.result.name}
              <span className="yc-explain">{loc(lang, g.result.kindLabel)}{g.expressDelivery ? ` · ${t('cat.guide.express')}` : ''}</span>
            </dd>
          </div>
          <div>
            <dt>{t('cat.guide.cross')}</dt>
            <dd>
              {g.crossProvince.mode === 'none'
                ? t('cat.cross.no')
                : g.crossProvince.mode === 'national'
                  ? t('cat.guide.crossNational')
                  : t('cat.guide.crossRegions', { regions: g.crossProvince.regionNames.join('、') })}
              {g.crossProvince.wayLabels.length ? <span className="yc-explain">{g.crossProvince.wayLabels.map((w) => loc(lang, w)).join('、')}</span> : null}
            </dd>
          </div>
          {!elder ? (
            <>
              <div>
                <dt>{t('cat.guide.object')}</dt>
                <dd>{g.serviceObjects.map((o) => loc(lang, o)).join('、')}</dd>
              </div>
              <div>
                <dt>{t('cat.guide.department')}</dt>
                <dd>
                  {g.department.name}
                  {g.department.kind ? <span className="yc-explain">{loc(lang, g.department.kind)}</span> : null}
                </dd>
              </div>
              <div>
                <dt>{t('cat.guide.code')}</dt>
                <dd style={{ wordBreak: 'break-all' }}>{g.implementationCode}</dd>
              </div>
            </>
          ) : null}
        </dl>
        {g.fees.length ? (
          <ul className="yw-block">
            {g.fees.map((f, i) => (
              <li key={i}>
                {f.name}：{f.standard}（{t('cat.guide.feeBasis')}：{f.basis}）{f.reductions ? ` ${t('cat.guide.reductions')}：${f.reductions}` : ''}
              </li>
            ))}
          </ul>
        ) : null}
        {g.specialProcedures.length ? (
          <div className="yw-block">
            <strong>{t('cat.guide.special')}</strong>
            <span className="yc-explain">{t('cat.guide.specialExplain')}</span>
            <ul>
              {g.specialProcedures.map((p, i) => (
                <li key={i}>
                  {p.name}
                  {p.limitDays !== undefined ? `（${t('cat.days.n', { count: p.limitDays })}）` : ''}
                  {p.note ? `：${p.note}` : ''}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>

      <section className="yc-guide-section" aria-labelledby="g-conditions">
        <h2 id="g-conditions">{t('cat.guide.conditions')}</h2>
        <ul>
          {g.conditions.map((c, i) => (
            <li key={i}>{c}</li>
          ))}
        </ul>
      </section>

      <section className="yc-guide-section" aria-labelledby="g-materials">
        <h2 id="g-materials">
          {t('cat.guide.materials')} <span className="yc-meta">{t('cat.guide.materialsCount', { count: g.materialCount, exempt: g.exemptCount })}</span>
        </h2>
        {[...required, ...conditional].length === 0 ? <p>{t('cat.guide.noMaterials')}</p> : null}
        <ul className="yc-materials" data-testid="materials">
          {[...required, ...conditional].map((m) => (
            <li key={m.key} className={m.exempt ? 'yc-exempt' : undefined} data-testid="material" data-key={m.key}>
              <div className="yc-row">
                <strong className="yc-grow">{m.name}</strong>
                {m.exempt ? <ExemptBadge source={m.source} /> : null}
                <span className="yc-badge yc-badge-muted" title={loc(lang, m.reuseGradeLabel)}>
                  {t('cat.guide.grade', { grade: m.reuseGrade })}
                </span>
                {m.requirement === 'conditional' ? <span className="yc-badge yc-badge-warn">{t('cat.guide.conditional')}</span> : null}
              </div>
              <div className="yc-meta">
                {m.exempt
                  ? m.source.kind === 'elicence'
                    ? t('cat.guide.fromLicence', { licence: m.licenceTypeLabel ?? m.source.licenceType })
                    : t('cat.guide.fromShared', { resource: m.source.kind === 'shared_data' ? m.source.resource : '' })
                  : `${loc(lang, m.formatLabel)}${m.copies ? ` · ${t('cat.guide.copies', { count: m.copies })}` : ''}`}
                {m.condition ? ` · ${t('cat.guide.when', { condition: m.condition })}` : ''}
              </div>
              {!elder ? (
                <div className="yc-meta">
                  {t('cat.guide.acceptance')}：{m.acceptance} · {loc(lang, m.reuseGradeLabel)}
                  {m.blankForm ? ` · ${t('cat.guide.blankForm')}：${m.blankForm}` : ''}
                  {m.sample ? ` · ${t('cat.guide.sample')}：${m.sample}` : ''}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="yc-guide-section" aria-labelledby="g-process">
        <h2 id="g-process">{t('cat.guide.process')}</h2>
        <ol className="yc-stages" data-testid="stages">
          {g.process.stages.map((s) => (
            <li key={s.key}>
              <strong>{s.name}</strong>{' '}
              <span className="yc-meta">
                {(s.departmentNames ?? [s.departmentName]).join('、')} · {loc(lang, s.roleLabel)} · <Days n={s.budgetDays} />
                {!elder ? ` · ${loc(lang, s.kindLabel)}` : ''}
              </span>
              {g.process.payment?.afterStage === s.key ? <div className="yc-meta">{t('cat.guide.payment', { days: g.process.payment.budgetDays })}</div> : null}
            </li>
          ))}
        </ol>
      </section>

      {g.window ? (
        <section className="yc-guide-section" aria-labelledby="g-window">
          <h2 id="g-window">{t('cat.guide.window')}</h2>
          <p>
            {g.window.address} · {g.window.hours} · {t('cat.guide.phone')} {g.window.phone}
          </p>
        </section>
      ) : null}

      {g.faq.length ? (
        <section className="yc-guide-section" aria-labelledby="g-faq">
          <h2 id="g-faq">{t('cat.guide.faq')}</h2>
          <Collapse items={g.faq.map((f, i) => ({ key: String(i), label: f.q, children: <p>{f.a}</p> }))} />
        </section>
      ) : null}

      <section className="yc-guide-section" aria-labelledby="g-basis">
        <h2 id="g-basis">{t('cat.guide.legalBasis')}</h2>
        <ul>
          {g.legalBasis.map((b, i) => (
            <li key={i}>
              {b.title}
              {b.article ? ` ${b.article}` : ''}
              {b.excerpt && !elder ? <div className="yc-meta">{b.excerpt}</div> : null}
            </li>
          ))}
        </ul>
        <p className="yc-meta">
          {t('cat.guide.published', { date: g.publishedAt.slice(0, 10) })} · {t('cat.guide.accuracy', { errors: g.accuracy.errors, warnings: g.accuracy.warnings })}
        </p>
      </section>
    </>
  );
}

/** 一件事 guide: items, what passes between them, one list of materials, the critical path. */
export function BundleGuidePage({ base }: { base: string }) {
  const { id } = useParams();
  const { data, error, loading } = useLoad(() => catalogApi.bundle(id!), [id]);
  if (useNotFound(error)) return <NotFound />;
  return (
    <div className="yw-page" data-testid="bundle-guide">
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? <BundleGuideView b={data} base={base} /> : null}
    </div>
  );
}

export function BundleGuideView({ b, base }: { b: BundleGuide; base: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(b.name);
  const itemBase = base.endsWith('/bundles') ? base.replace(/\/bundles$/, '/services') : base;
  const name = (itemId: string) => b.items.find((i) => i.id === itemId)?.name ?? itemId;
  return (
    <>
      <nav aria-label={t('cat.guide.breadcrumb')} className="yc-meta yc-crumbs yw-block-sm">
        <Link to={base}>{base.endsWith('/bundles') ? t('cat.bundle.listTitle') : t('cat.home.title')}</Link> / {b.name}
      </nav>
      <h1 className="yw-page-title" data-testid="guide-title">
        {b.name} <span className="yc-badge yc-badge-bundle">{t('cat.bundle.badge')}</span>
      </h1>
      <p className="yw-lead">{b.description}</p>
      <div className="yc-sticky-apply yw-block-sm">
        {b.status === 'published' ? (
          <Link to={`/portal/applications/new?bundle=${b.id}`} className="yw-link-button yw-link-button-primary" data-testid="apply-online">
            {t('cat.guide.applyBundle')}
          </Link>
        ) : null}
        <span className="yc-meta">{t('cat.bundle.lead', { dept: b.leadDepartment.name })}</span>
      </div>
      <section className="yc-guide-section" aria-labelledby="b-time">
        <h2 id="b-time">{t('cat.bundle.time')}</h2>
        <dl className="yc-facts">
          <div data-testid="promised-limit">
            <dt>{t('cat.guide.promised')}</dt>
            <dd>
              <Days n={b.timing.promisedDays} />
              <span className="yc-explain">{t('cat.bundle.criticalExplain', { sum: b.timing.sumPromisedDays })}</span>
            </dd>
          </div>
          <div data-testid="legal-limit">
            <dt>{t('cat.guide.legal')}</dt>
            <dd>
              <Days n={b.timing.legalDays} />
            </dd>
          </div>
          <div>
            <dt>{t('cat.bundle.stats')}</dt>
            <dd>{t('cat.bundle.statsText', { items: b.items.length, depts: b.stats.departments, materials: b.stats.materials, exempt: b.stats.exempt })}</dd>
          </div>
          <div>
            <dt>{t('cat.bundle.denial')}</dt>
            <dd>{loc(lang, b.denialPolicy)}</dd>
          </div>
        </dl>
      </section>
      <section className="yc-guide-section" aria-labelledby="b-items">
        <h2 id="b-items">{t('cat.bundle.items')}</h2>
        <ol className="yc-stages">
          {b.items.map((i) => (
            <li key={i.id}>
              <Link to={`${itemBase}/items/${i.id}`}>{i.name}</Link>{' '}
              <span className="yc-meta">
                {i.department?.name} · <Days n={i.promisedDays} />
                {i.startsAfterDays ? ` · ${t('cat.bundle.startsAfter', { count: i.startsAfterDays })}` : ` · ${t('cat.bundle.startsAtOnce')}`}
              </span>
              {i.onCriticalPath ? <span className="yc-badge yc-badge-warn">{t('cat.bundle.critical')}</span> : null}
            </li>
          ))}
        </ol>
        {b.dependencies.length ? (
          <>
            <h3 className="yw-block">{t('cat.bundle.dependencies')}</h3>
            <ul>
              {b.dependencies.map((d, i) => (
                <li key={i}>{t('cat.bundle.dependency', { to: name(d.to), from: name(d.from), result: d.result })}</li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section className="yc-guide-section" aria-labelledby="b-materials">
        <h2 id="b-materials">
          {t('cat.guide.materials')} <span className="yc-meta">{t('cat.guide.materialsCount', { count: b.stats.materials, exempt: b.stats.exempt })}</span>
        </h2>
        <ul className="yc-materials" data-testid="materials">
          {b.materials.map((m) => (
            <li key={m.key} className={m.exempt ? 'yc-exempt' : undefined} data-testid="material" data-key={m.key}>
              <div className="yc-row">
                <strong className="yc-grow">{m.name}</strong>
                {m.exempt ? <ExemptBadge source={m.source} /> : null}
                {m.requirement === 'conditional' ? <span className="yc-badge yc-badge-warn">{t('cat.guide.conditional')}</span> : null}
              </div>
              <div className="yc-meta">
                {m.source.kind === 'bundle_result'
                  ? t('cat.bundle.fromItem', { item: name(m.source.itemId ?? '') })
                  : m.source.kind === 'elicence'
                    ? t('cat.guide.fromLicence', { licence: m.source.licenceType })
                    : m.source.kind === 'shared_data'
                      ? t('cat.guide.fromShared', { resource: m.source.resource })
                      : t('cat.bundle.usedBy', { items: m.items.map((x) => name(x.itemId)).join('、') })}
                {m.condition ? ` · ${t('cat.guide.when', { condition: m.condition })}` : ''}
              </div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** 一件事一次办 list (portal section `bundles`). */
export function BundlesList({ base }: { base: string }) {
  const { t } = useTranslation();
  usePageTitle(t('cat.bundle.listTitle'));
  const { data, error, loading } = useLoad(() => catalogApi.bundles(), []);
  return (
    <div className="yw-page" data-testid="bundles-list">
      <h1 className="yw-page-title">{t('cat.bundle.listTitle')}</h1>
      <p className="yw-lead">{t('cat.bundle.listLead')}</p>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      <ul className="yc-list">
        {(data ?? []).map((b) => (
          <li key={b.id}>
            <h2 className="yc-list-title">
              <Link to={`${base}/${b.id}`}>{b.name}</Link>
            </h2>
            <p className="yc-meta">{t('cat.bundle.summary', { items: b.items, days: b.promisedDays, sum: b.sumPromisedDays })}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}
