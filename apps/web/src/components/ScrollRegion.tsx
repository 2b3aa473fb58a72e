import type { ReactNode } from 'react';

/**
 * Wide content (a data table) that scrolls sideways inside its own labelled region instead of
 * making the page wider than a phone's screen (WCAG 1.4.10 allows two-dimensional tables to
 * scroll). The region is always focusable, so that keyboard users can scroll it with the arrow
 * keys (WCAG 2.1.1; axe: scrollable-region-focusable). It used to become focusable only while it
 * scrolled, measured after layout; content that widened later (fonts, columns) left a scrollable
 * region without a tab stop for a moment, which the phone scan caught.
 */
export function ScrollRegion({ label, children, className, testId }: { label: string; children: ReactNode; className?: string; testId?: string }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className={className ? `yw-scroll-x ${className}` : 'yw-scroll-x'} data-testid={testId}>
      {children}
    </div>
  );
}
