import type { ThemeConfig } from 'antd';

/**
 * Government palette. Every text colour here is checked against white and the light page
 * background (#f4f6f9): primary #0f4c99 is 8.3:1 and accent red #9e1b1b is 8.0:1 (WCAG AAA);
 * antd's default #1677ff is only 4.1:1 and fails AA for body-size text.
 */
export const palette = {
  primary: '#0f4c99',
  primaryDark: '#0a3670',
  accent: '#9e1b1b',
  success: '#1e6b34',
  warning: '#8a4b00',
  error: '#b3261e',
  text: '#1a1a1a',
  textSecondary: '#4a4a4a',
  pageBg: '#f4f6f9',
};

/**
 * The theme for the user's preferences. `reducedMotion` follows the system setting
 * (prefers-reduced-motion, WCAG 2.3.3): antd then opens and closes dialogs, menus and messages
 * without animation — the stylesheet alone cannot stop antd's JavaScript-driven motion.
 */
export function themeFor(elder: boolean, reducedMotion = false): ThemeConfig {
  const base: ThemeConfig = {
    token: {
      motion: !reducedMotion,
      colorPrimary: palette.primary,
      colorLink: palette.primary,
      colorLinkHover: palette.primaryDark,
      colorInfo: palette.primary,
      colorSuccess: palette.success,
      colorWarning: palette.warning,
      colorError: palette.error,
      colorText: palette.text,
      colorTextHeading: '#111111',
      colorTextSecondary: palette.textSecondary,
      colorTextTertiary: '#595959', // antd's 45% black is 3.4:1 — too light
      colorTextDescription: '#595959',
      colorTextLabel: palette.textSecondary,
      colorTextPlaceholder: '#6b6b6b',
      opacityLoading: 1, // antd fades a loading button to 65 %: its text fell below 4.5:1 (the spinner says it is busy)
      colorBorder: '#8c8c8c', // form control borders need 3:1 against the background (WCAG 1.4.11)
      colorBgLayout: palette.pageBg,
      borderRadius: 4,
      fontFamily:
        "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      fontSize: 15,
      controlHeight: 36,
      lineWidthFocus: 3,
    },
    components: {
      Layout: { headerBg: palette.primary, headerColor: '#ffffff', headerHeight: 64, headerPadding: '0 24px', siderBg: '#ffffff', bodyBg: palette.pageBg },
      Menu: { itemSelectedColor: palette.primaryDark, itemSelectedBg: '#e3ecf8', itemColor: palette.text, itemHoverColor: palette.primaryDark },
      Tag: { defaultColor: palette.text },
    },
  };
  if (!elder) return base;
  // 适老化: large type and targets, stronger contrast (all text ≥ 7:1), fewer decorations.
  return {
    ...base,
    token: {
      ...base.token,
      colorPrimary: '#0a3670',
      colorLink: '#0a3670',
      colorText: '#000000',
      colorTextHeading: '#000000',
      colorTextSecondary: '#262626',
      colorTextTertiary: '#333333',
      colorTextDescription: '#333333',
      colorTextLabel: '#000000',
      colorTextPlaceholder: '#4d4d4d',
      colorBorder: '#595959',
      fontSize: 20,
      fontSizeSM: 18,
      fontSizeLG: 22,
      fontSizeHeading1: 40,
      fontSizeHeading2: 34,
      fontSizeHeading3: 28,
      fontSizeHeading4: 24,
      fontSizeHeading5: 22,
      controlHeight: 48,
      controlHeightSM: 44,
      controlHeightLG: 56,
      lineHeight: 1.6,
      borderRadius: 6,
    },
    components: {
      ...base.components,
      Layout: { ...base.components!.Layout, headerBg: '#0a3670', headerHeight: 76 },
      Menu: { ...base.components!.Menu, itemHeight: 56, itemSelectedColor: '#000000', itemSelectedBg: '#d6e4f5', itemColor: '#000000' },
      Button: { contentFontSize: 20, contentFontSizeLG: 22 },
    },
  };
}
