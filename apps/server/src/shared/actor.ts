/**
 * Who is acting. Built once per request by the identity module's authentication hook and passed
 * to services, which enforce role and data scope (own records / own department / region subtree).
 */
export const ROLES = [
  'citizen', // a natural person acting for themselves
  'enterprise', // a person acting for a legal person (legal representative or authorised staff)
  'agent', // a person acting for another under a recorded mandate (代办)
  'window_clerk', // 窗口受理
  'reviewer', // 审查
  'decider', // 决定
  'dept_admin', // 部门管理员
  'data_admin', // 数据管理员 (大数据局 or a provider department)
  'supervisor', // 监督 (region subtree)
  'platform_admin',
  'machine', // another government system
] as const;
export type Role = (typeof ROLES)[number];

export const OFFICER_ROLES: readonly Role[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin'];

export interface Actor {
  /** The signed-in account (the person, the staff member, or the machine client's id). */
  accountId: string;
  kind: 'citizen' | 'enterprise' | 'officer' | 'data_admin' | 'supervisor' | 'platform_admin' | 'machine';
  displayName: string;
  /** Effective roles of this request (a citizen acting as an enterprise has role 'enterprise'). */
  roles: Role[];
  departmentId: string | null;
  regionCode: string | null;
  /** Enterprise this person acts as, when they do. */
  actingAs: { id: string; displayName: string; role: 'legal_rep' | 'staff' } | null;
  /** Principal this agent acts for under a mandate, when they do. */
  actingFor: { id: string; displayName: string; mandateId: string } | null;
  /** How they authenticated: 'pwd', 'otp', 'oidc', 'client_secret', 'private_key_jwt'. */
  amr: string[];
  /** Machine clients: granted scopes. */
  scopes: string[];
}

/** The account whose own records this actor sees: the enterprise or the principal, else themselves. */
export function subjectOf(actor: Actor): string {
  return actor.actingAs?.id ?? actor.actingFor?.id ?? actor.accountId;
}

export function hasRole(actor: Actor | null | undefined, ...roles: Role[]): boolean {
  return !!actor && actor.roles.some((r) => roles.includes(r));
}

/** Everything about a request that a service needs to attribute a write. */
export interface RequestContext {
  actor: Actor | null;
  ip: string | null;
  requestId: string;
  /** Set by the audit helper; checked by the strict-audit hook. */
  audited: boolean;
  /** The client sent `Prefer: return=minimal` (RFC 7240): a write need not read back what it changed. */
  returnMinimal?: boolean;
}

/** The platform acting on its own behalf with admin rights (the demo loader, test factories); audited as such. */
export function systemAdminContext(name: string): RequestContext {
  return {
    actor: {
      accountId: '00000000-0000-0000-0000-000000000000',
      kind: 'platform_admin',
      displayName: name,
      roles: ['platform_admin'],
      departmentId: null,
      regionCode: null,
      actingAs: null,
      actingFor: null,
      amr: [],
      scopes: [],
    },
    ip: null,
    requestId: name,
    audited: false,
  };
}
