import { useState, type ReactNode } from 'react';
import { Segmented } from 'antd';

export interface View {
  key: string;
  label: string;
  content: ReactNode;
}

/**
 * Views of one page chosen with a segmented control (a radio group), showing only the chosen one.
 * Used instead of antd Tabs: on a phone Tabs put their overflow button inside the tablist, which
 * screen readers cannot make sense of (axe: aria-required-children), and hide tabs behind it.
 * The segments wrap onto more lines when they do not fit (styles.css).
 */
export function Views({ label, views, testId }: { label: string; views: View[]; testId?: string }) {
  const [current, setCurrent] = useState(views[0]?.key);
  const view = views.find((v) => v.key === current) ?? views[0];
  return (
    <>
      <Segmented className="yw-block-sm" aria-label={label} value={view?.key} onChange={(v) => setCurrent(String(v))} options={views.map((v) => ({ value: v.key, label: v.label }))} data-testid={testId} />
      <div key={view?.key}>{view?.content}</div>
    </>
  );
}
