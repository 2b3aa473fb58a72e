import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Sets the document title as "<page> - 一网 · Yiwang" (WCAG 2.4.2). */
export function usePageTitle(title: string | null | undefined) {
  const { t } = useTranslation();
  const site = t('brand.siteTitle');
  useEffect(() => {
    document.title = title ? `${title} - ${site}` : site;
  }, [title, site]);
}
