import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Area } from '../session';

/**
 * Where feature pages plug in, without anyone editing a shared list:
 * - `src/areas/<area>/sections/<sectionKey>.tsx` (default export) is the page of that section of
 *   the area (the section key is the one in areas/nav.tsx); it owns the nested routes under the
 *   section's path (`services/:id`, …). A section with a file is "ready"; one without says
 *   "coming in a later release".
 * - `src/public/<name>.tsx` (default export) is a public page at `/<name>/*`, readable without
 *   signing in (a guide, the verification page, open data, public statistics).
 * Each file is its own lazily loaded chunk.
 */
type Loader = () => Promise<{ default: ComponentType }>;

const sectionFiles = import.meta.glob<{ default: ComponentType }>('../areas/*/sections/*.tsx');
const publicFiles = import.meta.glob<{ default: ComponentType }>('../public/*.tsx');

function byName(files: Record<string, Loader>, pattern: RegExp): Map<string, LazyExoticComponent<ComponentType>> {
  const out = new Map<string, LazyExoticComponent<ComponentType>>();
  for (const [path, load] of Object.entries(files)) {
    const m = pattern.exec(path);
    if (m) out.set(m.slice(1).join('/'), lazy(load));
  }
  return out;
}

const sections = byName(sectionFiles, /\/areas\/([^/]+)\/sections\/([^/.]+)\.tsx$/);
const publicPages = byName(publicFiles, /\/public\/([^/.]+)\.tsx$/);

export function sectionPage(area: Area, key: string): LazyExoticComponent<ComponentType> | undefined {
  return sections.get(`${area}/${key}`);
}

export function hasSectionPage(area: Area, key: string): boolean {
  return sections.has(`${area}/${key}`);
}

/** Public pages as [name, component]: mounted at `/<name>/*`. */
export function publicPageEntries(): [string, LazyExoticComponent<ComponentType>][] {
  return [...publicPages.entries()].sort(([a], [b]) => a.localeCompare(b));
}
