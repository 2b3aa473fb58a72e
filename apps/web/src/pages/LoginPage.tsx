import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Grid, Input, Tabs } from 'antd';
import { BankOutlined, IdcardOutlined, LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { oidcLoginUrl, useSession } from '../auth';
import { AreaLayout } from '../components/AreaLayout';
import { Loading } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { useSignOut } from '../components/UserMenu';
import { usePrefs } from '../prefs';
import { areaOfPath, areaPath, canEnter, homeAreaOf, safeReturnTo, type Me } from '../session';

type Tab = 'person' | 'enterprise' | 'staff';

interface StaffForm {
  username: string;
  password: string;
  totp?: string;
}

function StaffLogin({ returnTo }: { returnTo: string | null }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { staffLogin } = useSession();
  const navigate = useNavigate();
  const [form] = Form.useForm<StaffForm>();
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const totpRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needTotp) totpRef.current?.focus();
  }, [needTotp]);

  const done = (me: Me) => {
    const area = returnTo ? areaOfPath(returnTo) : null;
    const target = returnTo && area && canEnter(me.account, area) ? returnTo : areaPath(homeAreaOf(me.account));
    navigate(target, { replace: true });
  };

  const onFinish = async (values: StaffForm) => {
    setBusy(true);
    setError(null);
    try {
      const me = await staffLogin({ username: values.username.trim(), password: values.password, totp: needTotp ? values.totp : undefined });
      done(me);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'TOTP_REQUIRED') {
        // First step passed: the account has two-factor sign-in; ask for the code.
        if (needTotp) setError(e);
        setNeedTotp(true);
      } else if (e instanceof ApiError) {
        setError(e);
        if (e.field === 'totp') form.setFieldValue('totp', '');
      } else {
        setError(new ApiError(0, 'UNKNOWN', { zh: t('error.generic', { lng: 'zh-CN' }), en: t('error.generic', { lng: 'en' }) }));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<StaffForm> form={form} layout="vertical" requiredMark={false} onFinish={onFinish} className="yw-login-form" data-testid="staff-form">
      <p className="yw-muted">{t('login.staffHint')}</p>
      {error ? (
        <Alert className="yw-block-sm" type="error" showIcon role="alert" title={error.text(lang)} data-testid="login-error" data-code={error.code} />
      ) : null}
      <Form.Item
        label={t('login.username')}
        name="username"
        rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}
      >
        <Input prefix={<UserOutlined aria-hidden="true" />} autoComplete="username" autoCapitalize="none" spellCheck={false} size="large" />
      </Form.Item>
      <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.passwordRequired') }]}>
        <Input.Password prefix={<LockOutlined aria-hidden="true" />} autoComplete="current-password" size="large" />
      </Form.Item>
      {needTotp ? (
        <>
          <Alert className="yw-block-sm" type="info" showIcon title={t('login.totpPrompt')} />
          <Form.Item
            label={t('login.totp')}
            name="totp"
            rules={[
              { required: true, message: t('login.totpRequired') },
              { pattern: /^\d{6}$/, message: t('login.totpFormat') },
            ]}
          >
            <Input
              ref={(el) => {
                totpRef.current = el?.input ?? null;
              }}
              prefix={<SafetyOutlined aria-hidden="true" />}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              size="large"
              data-testid="totp-input"
            />
          </Form.Item>
        </>
      ) : null}
      <Button type="primary" htmlType="submit" size="large" block loading={busy} data-testid="staff-submit">
        {t('login.submit')}
      </Button>
    </Form>
  );
}

function OidcLogin({ type, returnTo }: { type: 'person' | 'enterprise'; returnTo: string | null }) {
  const { t } = useTranslation();
  const area = returnTo ? areaOfPath(returnTo) : null;
  const target = returnTo && (area === 'portal' || area === null) ? returnTo : '/portal';
  return (
    <div className="yw-oidc-login">
      <p className="yw-muted">{t(`login.${type}Hint`)}</p>
      <ul className="yw-checklist">
        <li>{t(`login.${type}Point1`)}</li>
        <li>{t(`login.${type}Point2`)}</li>
      </ul>
      <a className="yw-link-button yw-link-button-primary yw-link-button-block" href={oidcLoginUrl(type, target)} data-testid={`oidc-${type}`}>
        {type === 'person' ? <IdcardOutlined aria-hidden="true" /> : <BankOutlined aria-hidden="true" />}
        <span>{t(`login.${type}Button`)}</span>
      </a>
    </div>
  );
}

export default function LoginPage() {
  const { t } = useTranslation();
  const { status, me, expired } = useSession();
  const [params, setParams] = useSearchParams();
  const signOut = useSignOut();
  const { elder } = usePrefs();
  // On a phone the three tab labels must fit on one line (an overflow menu would hide one).
  const short = Grid.useBreakpoint().sm === false;
  usePageTitle(t('login.title'));

  const returnTo = safeReturnTo(params.get('returnTo'));
  const returnArea = returnTo ? areaOfPath(returnTo) : null;
  const requested = params.get('type');
  const tab: Tab =
    requested === 'person' || requested === 'enterprise' || requested === 'staff'
      ? requested
      : returnArea && returnArea !== 'portal'
        ? 'staff'
        : 'person';
  const oidcError = params.get('error');
  const signedOut = params.get('signedOut') === '1';

  const setTab = (key: string) => {
    const next = new URLSearchParams(params);
    next.set('type', key);
    next.delete('signedOut');
    setParams(next, { replace: true });
  };

  let body;
  if (status === 'loading') body = <Loading />;
  else if (me) {
    const home = areaPath(homeAreaOf(me.account));
    body = (
      <div data-testid="already-signed-in">
        <p>{t('login.alreadySignedIn', { name: me.account.displayName })}</p>
        <div className="yw-result-actions">
          <Link to={returnTo && returnArea && canEnter(me.account, returnArea) ? returnTo : home} className="yw-link-button yw-link-button-primary">
            {t('login.continue')}
          </Link>
          <Button onClick={() => void signOut()}>{t('header.signOut')}</Button>
        </div>
      </div>
    );
  } else {
    body = (
      <Tabs
        activeKey={tab}
        onChange={setTab}
        size="large"
        tabBarGutter={short ? 16 : elder ? 28 : 32}
        items={[
          { key: 'person', label: t(short ? 'login.tabPersonShort' : 'login.tabPerson'), children: <OidcLogin type="person" returnTo={returnTo} /> },
          { key: 'enterprise', label: t(short ? 'login.tabEnterpriseShort' : 'login.tabEnterprise'), children: <OidcLogin type="enterprise" returnTo={returnTo} /> },
          { key: 'staff', label: t(short ? 'login.tabStaffShort' : 'login.tabStaff'), children: <StaffLogin returnTo={returnTo} /> },
        ]}
      />
    );
  }

  return (
    <AreaLayout area="public">
      <div className="yw-login-wrap">
        <Card className="yw-card yw-login-card">
          <h1 className="yw-page-title">{t('login.title')}</h1>
          {signedOut && !me ? <Alert className="yw-block-sm" type="success" showIcon title={t('login.signedOut')} /> : null}
          {expired && !me ? <Alert className="yw-block-sm" type="warning" showIcon title={t('login.expired')} /> : null}
          {returnTo && !me && !signedOut ? <Alert className="yw-block-sm" type="info" showIcon title={t('login.needSignIn')} /> : null}
          {oidcError && !me ? <Alert className="yw-block-sm" type="error" showIcon role="alert" title={t('login.oidcFailed')} /> : null}
          {body}
        </Card>
      </div>
    </AreaLayout>
  );
}
