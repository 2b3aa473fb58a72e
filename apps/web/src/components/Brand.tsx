import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

/** The emblem: a simple mark (no national emblem — that is reserved for organs of state). */
export function Emblem({ size = 36 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false" className="yw-emblem">
      <rect width="64" height="64" rx="12" fill="#ffffff" />
      <rect x="12" y="29" width="40" height="6" rx="2" fill="#0f4c99" />
      <circle cx="50" cy="14" r="6" fill="#b3261e" />
    </svg>
  );
}

export function Brand({ to, regionName }: { to: string; regionName?: string | null }) {
  const { t } = useTranslation();
  return (
    <Link to={to} className="yw-brand" title={t('brand.homeLink')}>
      <Emblem />
      <span className="yw-brand-text">
        <span className="yw-brand-name">
          <span lang="zh-CN">一网</span>
          <span aria-hidden="true"> · </span>
          <span lang="en">Yiwang</span>
        </span>
        {regionName ? <span className="yw-brand-region">{regionName}</span> : null}
      </span>
    </Link>
  );
}
