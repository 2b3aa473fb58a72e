import { Button, Result, Spin } from 'antd';
import { FileUnknownOutlined, StopOutlined, WarningOutlined } from '@ant-design/icons';
import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth';
import { usePrefs } from '../prefs';
import { areaPath, areasOf, type Area } from '../session';
import { usePageTitle } from './usePageTitle';
import { useSignOut } from './UserMenu';

export function Loading() {
  const { t } = useTranslation();
  return (
    <div className="yw-loading" role="status" aria-live="polite">
      <Spin />
      <span className="yw-loading-text">{t('common.loading')}</span>
    </div>
  );
}

/** The session could not be determined (server unreachable or failing). */
export function ServerUnavailable() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { error, refresh } = useSession();
  usePageTitle(t('error.serverTitle'));
  return (
    <Result
      status="warning"
      icon={<WarningOutlined aria-hidden="true" />}
      title={<h1 className="yw-result-title">{t('error.serverTitle')}</h1>}
      subTitle={error ? error.text(lang) : t('error.generic')}
      extra={
        <Button type="primary" onClick={() => void refresh()}>
          {t('common.retry')}
        </Button>
      }
    />
  );
}

/** 403: signed in, but this area or section is not for this kind of user. */
export function Forbidden({ area, section }: { area: Area; section?: string }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const signOut = useSignOut();
  usePageTitle(t('forbidden.title'));
  const mine = me ? areasOf(me.account) : [];
  const role = me ? t(`role.${me.account.roles[0] ?? me.account.kind}`, { defaultValue: me.account.kind }) : '';
  return (
    <Result
      status="error"
      icon={<StopOutlined aria-hidden="true" />}
      title={<h1 className="yw-result-title">{t('forbidden.title')}</h1>}
      subTitle={
        <div className="yw-forbidden-text" data-testid="forbidden">
          <p>{section ? t('forbidden.section', { section }) : t('forbidden.area', { area: t(`area.${area}`), audience: t(`audience.${area}`) })}</p>
          {me ? <p>{t('forbidden.signedInAs', { name: me.account.displayName, role })}</p> : null}
        </div>
      }
      extra={
        <div className="yw-result-actions">
          {mine
            .filter((a) => a !== area || section)
            .map((a) => (
              <Link key={a} to={areaPath(a)} className="yw-link-button yw-link-button-primary">
                {t('forbidden.goTo', { area: t(`area.${a}`) })}
              </Link>
            ))}
          <Button onClick={() => void signOut()}>{t('forbidden.switchUser')}</Button>
        </div>
      }
    />
  );
}

export function NotFound() {
  const { t } = useTranslation();
  const location = useLocation();
  usePageTitle(t('notFound.title'));
  return (
    <Result
      status="info"
      icon={<FileUnknownOutlined aria-hidden="true" />}
      title={<h1 className="yw-result-title">{t('notFound.title')}</h1>}
      subTitle={t('notFound.text', { path: location.pathname })}
      extra={
        <Link to="/" className="yw-link-button yw-link-button-primary">
          {t('notFound.home')}
        </Link>
      }
    />
  );
}
