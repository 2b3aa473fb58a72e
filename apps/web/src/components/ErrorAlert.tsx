import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { usePrefs } from '../prefs';

/** An API error shown in the UI language (with the field, when the server names one). */
export function ErrorAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  if (!error) return null;
  const text = error instanceof ApiError ? error.text(lang) : t('error.generic');
  return <Alert className="yw-block-sm" type="error" showIcon role="alert" title={text} closable={!!onClose} onClose={onClose} data-testid="error-alert" />;
}
