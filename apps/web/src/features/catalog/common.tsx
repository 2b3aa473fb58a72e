import { useEffect, useRef, useState } from 'react';
import { Alert, AutoComplete, Button, Input } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { usePrefs } from '../../prefs';
import { catalogApi } from './model';
import './catalog.css';

/** zh or en of a label pair, by the UI language. */
export const loc = (lang: string, l: { zh: string; en: string } | null | undefined) => (l ? (lang.startsWith('zh') ? l.zh : l.en) : '');

/** Text the server already HTML-escaped and marked with <mark> (highlighting). */
export function Marked({ html, as: Tag = 'span' }: { html: string; as?: 'span' | 'div' }) {
  return <Tag dangerouslySetInnerHTML={{ __html: html }} />;
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  if (!error) return null;
  const text = error instanceof ApiError ? error.text(lang) : t('error.generic');
  return <Alert type="error" showIcon className="yw-block-sm" title={text} role="alert" />;
}

/** 免提交: the material comes from an e-licence or a shared data resource; nothing to upload. */
export function ExemptBadge({ source }: { source?: { kind: string; licenceType?: string; resource?: string } }) {
  const { t } = useTranslation();
  const title = source?.kind === 'elicence' ? t('cat.exempt.elicence') : source?.kind === 'shared_data' ? t('cat.exempt.shared', { resource: source.resource }) : source?.kind === 'bundle_result' ? t('cat.exempt.bundleResult') : '';
  return (
    <span className="yc-badge yc-badge-exempt" data-testid="exempt-badge" title={title}>
      {t('cat.exempt.badge')}
    </span>
  );
}

/**
 * The search box with suggestions as you type (names, aliases, life events), going to the
 * results page `${base}?q=…`.
 */
export function SearchBox({ base, initial = '', large = false, autoFocus = false }: { base: string; initial?: string; large?: boolean; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [value, setValue] = useState(initial);
  const [options, setOptions] = useState<{ value: string; label: React.ReactNode }[]>([]);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => setValue(initial), [initial]);
  useEffect(() => {
    const q = value.trim();
    if (!q) {
      setOptions([]);
      return;
    }
    const timer = setTimeout(() => {
      abort.current?.abort();
      const ctl = new AbortController();
      abort.current = ctl;
      catalogApi
        .suggest(q, ctl.signal)
        .then((r) =>
          setOptions(
            r.suggestions.map((s) => ({
              value: s.text,
              label: (
                <span className="yc-suggestion" data-testid="suggestion">
                  <Marked html={s.highlight} /> {s.kind === 'theme' || s.kind === 'bundle' ? <span className="yw-muted">· {t(`cat.suggestKind.${s.kind}`)}</span> : null}
                </span>
              ),
            })),
          ),
        )
        .catch(() => undefined);
    }, 150);
    return () => clearTimeout(timer);
  }, [value, t]);
  const go = (q: string) => {
    const text = q.trim();
    if (text) navigate(`${base}?q=${encodeURIComponent(text)}`);
  };
  return (
    <form
      role="search"
      className="yc-search"
      onSubmit={(e) => {
        e.preventDefault();
        go(value);
      }}
    >
      <AutoComplete
        value={value}
        options={options}
        // Enter searches what was typed; a suggestion is taken only when chosen.
        defaultActiveFirstOption={false}
        onChange={(v) => setValue(v)}
        onSelect={(v: string) => {
          setValue(v);
          go(v);
        }}
        style={{ flex: 1 }}
      >
        <Input
          size={large ? 'large' : 'middle'}
          aria-label={t('cat.search.label')}
          placeholder={t('cat.search.placeholder')}
          data-testid="catalog-search-input"
          autoFocus={autoFocus}
          maxLength={100}
        />
      </AutoComplete>
      <Button type="primary" htmlType="submit" size={large ? 'large' : 'middle'} icon={<SearchOutlined aria-hidden="true" />} data-testid="catalog-search-submit">
        {t('cat.search.button')}
      </Button>
    </form>
  );
}

/** "n working days" with the zh/en wording. */
export function Days({ n }: { n: number | null | undefined }) {
  const { t } = useTranslation();
  if (n === null || n === undefined) return <>—</>;
  return <>{n === 0 ? t('cat.days.zero') : t('cat.days.n', { count: n })}</>;
}
