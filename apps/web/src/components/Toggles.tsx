import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../prefs';

/** Switches between 中文 and English. The label is written in the language it switches to. */
export function LanguageButton({ className, block }: { className?: string; block?: boolean }) {
  const { t } = useTranslation();
  const { lang, setLang } = usePrefs();
  const next = lang === 'en' ? 'zh-CN' : 'en';
  return (
    <Button
      className={className ?? 'yw-header-btn'}
      ghost={!className}
      block={block}
      lang={next}
      title={t('header.switchLanguageTo')}
      onClick={() => setLang(next)}
      data-testid="lang-switch"
    >
      {next === 'en' ? 'English' : '中文'}
    </Button>
  );
}

/** 适老化: large type, large targets, high contrast, fewer choices. A toggle button (aria-pressed). */
export function ElderButton({ className, short }: { className?: string; short?: boolean }) {
  const { t } = useTranslation();
  const { elder, setElder } = usePrefs();
  return (
    <Button
      className={`${className ?? 'yw-header-btn'}${elder ? ' is-on' : ''}`}
      ghost={!elder}
      aria-pressed={elder}
      onClick={() => setElder(!elder)}
      data-testid="elder-switch"
      title={t('header.elderHint')}
    >
      {t(short ? 'header.elderShort' : 'header.elder')}
    </Button>
  );
}
