import { useEffect, useRef, type ReactNode } from 'react';

/**
 * Wide content (a data table) that scrolls sideways inside its own labelled region instead of
 * making the page wider than a phone's screen (WCAG 1.4.10 allows two-dimensional tables to
 * scroll). While it does scroll, the region is focusable, so that keyboard users can scroll it
 * with the arrow keys (WCAG 2.1.1; axe: scrollable-region-focusable); otherwise it is no tab stop.
 */
export function ScrollRegion({ label, children, className, testId }: { label: string; children: ReactNode; className?: string; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      if (el.scrollWidth > el.clientWidth + 1) el.setAttribute('tabindex', '0');
      else el.removeAttribute('tabindex');
    };
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    for (const child of Array.from(el.children)) ro.observe(child);
    let frame = 0;
    const mo = new MutationObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        for (const child of Array.from(el.children)) ro.observe(child);
        update();
      });
    });
    mo.observe(el, { childList: true, subtree: true });
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      mo.disconnect();
    };
  }, []);
  return (
    <div ref={ref} role="region" aria-label={label} className={className ? `yw-scroll-x ${className}` : 'yw-scroll-x'} data-testid={testId}>
      {children}
    </div>
  );
}
