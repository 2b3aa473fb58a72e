import { useEffect, useState } from 'react';
import { Card, Descriptions, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { get } from '../api';
import { useSession } from '../auth';
import { usePrefs } from '../prefs';

interface Region {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
  fullName: string;
}

/** Who is signed in, in which capacity: the honest first content of every area home. */
export function WhoAmI() {
  const { t } = useTranslation();
  const { me } = useSession();
  const { lang } = usePrefs();
  const [region, setRegion] = useState<Region | null>(null);
  const regionCode = me?.account.regionCode ?? null;

  useEffect(() => {
    if (!regionCode) return;
    let live = true;
    get<Region>(`/api/regions/${encodeURIComponent(regionCode)}`)
      .then((r) => live && setRegion(r))
      .catch(() => live && setRegion(null));
    return () => {
      live = false;
    };
  }, [regionCode]);

  if (!me) return null;
  const { account, actingAs, actingFor } = me;
  const staff = !['citizen', 'enterprise'].includes(account.kind);
  const items = [
    { key: 'name', label: t('whoami.name'), children: <span data-testid="whoami-name">{account.displayName}</span> },
    { key: 'kind', label: t('whoami.kind'), children: t(`kind.${account.kind}`, { defaultValue: account.kind }) },
    {
      key: 'roles',
      label: t('whoami.roles'),
      children: (
        <span className="yw-tags" data-testid="whoami-roles">
          {account.roles.map((r) => (
            <Tag key={r} className="yw-role-tag">
              {t(`role.${r}`, { defaultValue: r })}
            </Tag>
          ))}
        </span>
      ),
    },
    ...(account.department
      ? [{ key: 'dept', label: t('whoami.department'), children: lang === 'en' ? account.department.nameEn : account.department.name }]
      : []),
    ...(regionCode ? [{ key: 'region', label: t('whoami.region'), children: region ? region.fullName : regionCode }] : []),
    ...(actingAs
      ? [{ key: 'actingAs', label: t('whoami.actingAs'), children: `${actingAs.displayName}（${t(`acting.role.${actingAs.role}`)}）` }]
      : []),
    ...(actingFor ? [{ key: 'actingFor', label: t('whoami.actingFor'), children: actingFor.displayName }] : []),
    ...(staff
      ? [{ key: 'totp', label: t('whoami.totp'), children: account.totpEnabled ? t('whoami.totpOn') : t('whoami.totpOff') }]
      : []),
  ];
  return (
    <Card className="yw-card" title={<h2 className="yw-card-title">{t('whoami.title')}</h2>}>
      <Descriptions column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 3, xxl: 3 }} items={items} />
    </Card>
  );
}
