import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LANG_KEY, type Lang } from './i18n';

/** User interface preferences that survive reloads: language and elder-friendly mode (适老化). */
interface Prefs {
  lang: Lang;
  setLang(lang: Lang): void;
  elder: boolean;
  setElder(on: boolean): void;
}

export const ELDER_KEY = 'yiwang.elder';
const PrefsContext = createContext<Prefs | null>(null);

function save(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not fatal: the choice simply will not be remembered */
  }
}

function initialElder(): boolean {
  try {
    return localStorage.getItem(ELDER_KEY) === '1';
  } catch {
    return false;
  }
}

export function PrefsProvider({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const lang = (i18n.resolvedLanguage === 'en' ? 'en' : 'zh-CN') as Lang;
  const [elder, setElderState] = useState(initialElder);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = lang === 'en' ? 'Yiwang · One-stop government services' : '一网 · 一体化在线政务服务平台';
  }, [lang]);

  useEffect(() => {
    document.documentElement.classList.toggle('elder', elder);
  }, [elder]);

  const setLang = useCallback(
    (next: Lang) => {
      save(LANG_KEY, next);
      void i18n.changeLanguage(next);
    },
    [i18n],
  );
  const setElder = useCallback((on: boolean) => {
    save(ELDER_KEY, on ? '1' : '0');
    setElderState(on);
  }, []);

  const value = useMemo(() => ({ lang, setLang, elder, setElder }), [lang, setLang, elder, setElder]);
  return <PrefsContext.Provider value={value}>{children}</PrefsContext.Provider>;
}

export function usePrefs(): Prefs {
  const ctx = useContext(PrefsContext);
  if (!ctx) throw new Error('usePrefs outside PrefsProvider');
  return ctx;
}
