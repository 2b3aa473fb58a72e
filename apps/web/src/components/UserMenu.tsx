import { App, Button, Dropdown, type MenuProps } from 'antd';
import { DownOutlined, LogoutOutlined, SwapOutlined, UserOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession, type ActTarget } from '../auth';
import { ApiError } from '../api';
import { areaPath, areasOf, type Area, type Me } from '../session';
import { usePrefs } from '../prefs';

/** "Name · role" as shown in the header. */
export function useIdentityLabel() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  return (me: Me) => {
    const role = me.account.roles[0] ?? me.account.kind;
    const dept = me.account.department ? (lang === 'en' ? me.account.department.nameEn : me.account.department.name) : null;
    return { name: me.account.displayName, role: t(`role.${role}`, { defaultValue: role }), dept };
  };
}

export function useSignOut() {
  const { logout } = useSession();
  const { message } = App.useApp();
  const { t } = useTranslation();
  const { lang } = usePrefs();
  return async () => {
    try {
      // A full page load after sign-out: nothing of the previous user's data stays in memory.
      await logout(() => window.location.assign('/login?signedOut=1'));
    } catch (e) {
      message.error(e instanceof ApiError ? e.text(lang) : t('error.generic'));
    }
  };
}

export function UserMenu({ area }: { area: Area | null }) {
  const { me } = useSession();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const label = useIdentityLabel();
  const signOut = useSignOut();
  if (!me) return null;
  const { name, role, dept } = label(me);
  const others = areasOf(me.account).filter((a) => a !== area);
  const items: MenuProps['items'] = [
    ...others.map((a) => ({ key: `area:${a}`, icon: <SwapOutlined />, label: t('header.goToArea', { area: t(`area.${a}`) }) })),
    ...(others.length ? [{ type: 'divider' as const }] : []),
    { key: 'logout', icon: <LogoutOutlined />, label: t('header.signOut') },
  ];
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items,
        onClick: ({ key }) => {
          if (key === 'logout') void signOut();
          else if (key.startsWith('area:')) navigate(areaPath(key.slice(5) as Area));
        },
      }}
    >
      <Button className="yw-header-btn yw-user-btn" ghost data-testid="user-menu" title={dept ? `${name} · ${role} · ${dept}` : `${name} · ${role}`}>
        <UserOutlined aria-hidden="true" />
        <span className="yw-user-name">{name}</span>
        <span className="yw-user-role">{role}</span>
        <DownOutlined aria-hidden="true" />
      </Button>
    </Dropdown>
  );
}

/** Portal only: act as oneself, as an enterprise one represents, or for a principal (代办). */
export function ActingSwitch({ block }: { block?: boolean }) {
  const { me, act } = useSession();
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { message } = App.useApp();
  const navigate = useNavigate();
  if (!me) return null;
  const { enterprises, principals } = me.options ?? { enterprises: [], principals: [] };
  if (enterprises.length === 0 && principals.length === 0) return null;

  const current = me.actingAs
    ? t('acting.asEnterprise', { name: me.actingAs.displayName })
    : me.actingFor
      ? t('acting.forPrincipal', { name: me.actingFor.displayName })
      : t('acting.self');

  const items: MenuProps['items'] = [
    { key: 'self', label: t('acting.selfOption', { name: me.account.displayName }) },
    ...(enterprises.length
      ? [
          {
            type: 'group' as const,
            label: t('acting.enterprises'),
            children: enterprises.map((e) => ({ key: `enterprise:${e.id}`, label: `${e.displayName}（${t(`acting.role.${e.role}`)}）` })),
          },
        ]
      : []),
    ...(principals.length
      ? [
          {
            type: 'group' as const,
            label: t('acting.principals'),
            children: principals.map((p) => ({ key: `principal:${p.id}`, label: p.displayName })),
          },
        ]
      : []),
  ];

  const onClick = async (key: string) => {
    const [kind, id] = key.split(':');
    const target: ActTarget = kind === 'enterprise' ? { as: 'enterprise', id } : kind === 'principal' ? { as: 'principal', id } : { as: 'self' };
    try {
      const next = await act(target);
      const who = next.actingAs?.displayName ?? next.actingFor?.displayName ?? next.account.displayName;
      message.success(t('acting.switched', { name: who }));
      navigate('/portal');
    } catch (e) {
      message.error(e instanceof ApiError ? e.text(lang) : t('error.generic'));
    }
  };

  return (
    <Dropdown trigger={['click']} menu={{ items, selectable: false, onClick: ({ key }) => void onClick(key) }}>
      <Button className={block ? undefined : 'yw-header-btn'} ghost={!block} block={block} data-testid="acting-switch">
        <SwapOutlined aria-hidden="true" />
        <span>{t('acting.label')}：{current}</span>
        <DownOutlined aria-hidden="true" />
      </Button>
    </Dropdown>
  );
}
