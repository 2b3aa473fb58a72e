/**
 * Who may do what in the catalog.
 * - Anyone reads published guides, bundles, search, themes and the accuracy score (public).
 * - Staff (officers, data admins, supervisors, admins) read drafts and findings of every
 *   department: an officer needs to know what a guide will say before it is published.
 * - A department admin (dept_admin) edits, publishes, retires and exports the items of their own
 *   department, and the bundles their department leads; imports only into their department.
 * - A platform admin does all of it for every department, edits synonyms and re-runs the linter.
 */
import type { Role } from '../../shared/actor';
import { hasRole, type Actor } from '../../shared/actor';
import { catalogErrors } from './catalog.errors';

export const CATALOG_READERS: Role[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin'];
export const CATALOG_EDITORS: Role[] = ['dept_admin', 'platform_admin'];

export function canManageDepartment(actor: Actor, departmentId: string): boolean {
  if (hasRole(actor, 'platform_admin')) return true;
  return hasRole(actor, 'dept_admin') && actor.departmentId === departmentId;
}

export function assertManages(actor: Actor, departmentId: string): void {
  if (!canManageDepartment(actor, departmentId)) throw catalogErrors.notYourDepartment();
}
