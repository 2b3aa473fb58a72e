import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../../components/usePageTitle';
import { StaffAccounts } from '../../../features/identity/StaffAccounts';

/** /admin/staff (人员与角色): a department admin's staff accounts — create, disable, unlock, roles. */
export default function AdminStaff() {
  const { t } = useTranslation();
  usePageTitle(t('nav.admin.staff'));
  return (
    <div className="yw-page" data-testid="admin-staff">
      <h1 className="yw-page-title">{t('nav.admin.staff')}</h1>
      <p className="yw-lead">{t('st.lead.page')}</p>
      <StaffAccounts />
    </div>
  );
}
