/** Shapes of the session API (`/api/auth/*`) and the rules for which area each user may enter. */

export type AccountKind = 'citizen' | 'enterprise' | 'officer' | 'data_admin' | 'supervisor' | 'platform_admin';
export type Role =
  | 'citizen'
  | 'enterprise'
  | 'agent'
  | 'window_clerk'
  | 'reviewer'
  | 'decider'
  | 'dept_admin'
  | 'data_admin'
  | 'supervisor'
  | 'platform_admin';

export interface Department {
  id: string;
  name: string;
  nameEn: string;
}

export interface Account {
  id: string;
  kind: AccountKind;
  displayName: string;
  roles: string[];
  department: Department | null;
  regionCode: string | null;
  totpEnabled: boolean;
}

export interface ActingAs {
  id: string;
  displayName: string;
  role: 'legal_rep' | 'staff';
}

export interface ActingFor {
  id: string;
  displayName: string;
  mandateId: string;
}

export interface Me {
  account: Account;
  actingAs: ActingAs | null;
  actingFor: ActingFor | null;
  csrfToken: string;
  options: {
    enterprises: ActingAs[];
    principals: ActingFor[];
  };
}

export interface NodeInfo {
  regionCode: string;
  regionName: string;
  name: string;
}

export type Area = 'portal' | 'workbench' | 'admin' | 'oversight';
export const AREAS: Area[] = ['portal', 'workbench', 'admin', 'oversight'];

/** Which roles open which area. A user with roles in several areas may move between them. */
export const AREA_ROLES: Record<Area, readonly string[]> = {
  portal: ['citizen', 'enterprise', 'agent'],
  workbench: ['window_clerk', 'reviewer', 'decider'],
  admin: ['dept_admin', 'data_admin', 'platform_admin'],
  oversight: ['supervisor'],
};

/** Fallback by account kind, for accounts whose role list is empty. */
const KIND_AREA: Record<AccountKind, Area> = {
  citizen: 'portal',
  enterprise: 'portal',
  officer: 'workbench',
  data_admin: 'admin',
  supervisor: 'oversight',
  platform_admin: 'admin',
};

export function areasOf(account: Account): Area[] {
  const found = AREAS.filter((a) => account.roles.some((r) => AREA_ROLES[a].includes(r)));
  if (found.length === 0 && KIND_AREA[account.kind]) found.push(KIND_AREA[account.kind]);
  return found;
}

export function canEnter(account: Account, area: Area): boolean {
  return areasOf(account).includes(area);
}

export function homeAreaOf(account: Account): Area {
  return areasOf(account)[0] ?? 'portal';
}

export function areaPath(area: Area): string {
  return area === 'portal' ? '/portal' : `/${area}`;
}

export function hasRole(account: Account, ...roles: string[]): boolean {
  return account.roles.some((r) => roles.includes(r));
}

/** Only same-site paths are accepted as a place to return to after sign-in. */
export function safeReturnTo(value: string | null | undefined): string | null {
  if (!value) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (value.startsWith('/api/') || value === '/login' || value.startsWith('/login?')) return null;
  return value;
}

/** The area a path belongs to, if any. */
export function areaOfPath(path: string): Area | null {
  for (const a of AREAS) {
    const p = areaPath(a);
    if (path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`)) return a;
  }
  return null;
}
