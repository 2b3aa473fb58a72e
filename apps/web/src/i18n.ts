import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import zhCN from './locales/zh-CN.json';
import en from './locales/en.json';

export type Lang = 'zh-CN' | 'en';
export const LANGS: Lang[] = ['zh-CN', 'en'];
export const LANG_KEY = 'yiwang.lang';

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    /* storage may be unavailable (private mode); fall through */
  }
  // Chinese first: English only when the browser asks for nothing Chinese at all.
  const langs = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  if (langs.length > 0 && !langs.some((l) => l.toLowerCase().startsWith('zh')) && langs[0].toLowerCase().startsWith('en')) return 'en';
  return 'zh-CN';
}

type Messages = { [key: string]: string | Messages };

/** Feature strings live beside the core ones in `locales/<feature>/<lang>.json` and are merged in. */
function merge(into: Messages, from: Messages): Messages {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    into[k] = typeof v === 'object' && typeof cur === 'object' ? merge(cur, v) : v;
  }
  return into;
}
const featureFiles = import.meta.glob<Messages>('./locales/*/*.json', { eager: true, import: 'default' });
function messages(lang: Lang, core: Messages): Messages {
  const out = structuredClone(core);
  for (const [path, m] of Object.entries(featureFiles)) if (path.endsWith(`/${lang}.json`)) merge(out, m);
  return out;
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: messages('zh-CN', zhCN) }, en: { translation: messages('en', en) } },
  lng: initialLang(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

export default i18n;
