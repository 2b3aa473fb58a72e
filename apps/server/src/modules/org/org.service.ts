/**
 * Regions (GB/T 2260, from the maintained data package) and departments of this node.
 * Other modules read departments through this service, never through the table.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database';
import type { DepartmentsTable } from '../../db/types';
import { recordAudit } from '../../plugins/audit';
import type { RequestContext } from '../../shared/actor';
import { AppError, errors } from '../../shared/errors';
import { getRegion, childrenOf, isInSubtree, subtreePattern } from '../../shared/regions';
import { validateUscc } from '../../shared/validators';
import { departmentsRepo } from './org.repository';

export interface Department {
  id: string;
  code: string;
  name: string;
  nameEn: string;
  regionCode: string;
  regionName: string;
  uscc: string | null;
  kind: 'legal_authority' | 'authorised_org' | 'entrusted_org';
  parentId: string | null;
}

export function presentDepartment(d: Pick<DepartmentsTable, 'id' | 'code' | 'name' | 'name_en' | 'region_code' | 'uscc' | 'parent_id'> & { kind: Department['kind'] }): Department {
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    nameEn: d.name_en,
    regionCode: d.region_code,
    regionName: getRegion(d.region_code)?.fullName ?? d.region_code,
    uscc: d.uscc,
    kind: d.kind,
    parentId: d.parent_id,
  };
}

export const orgErrors = {
  unknownRegion: (field: string) => new AppError(400, 'REGION_UNKNOWN', '行政区划代码不存在（GB/T 2260）', 'Unknown region code (GB/T 2260)', field),
  outsideNode: (field: string) => new AppError(400, 'REGION_OUTSIDE_NODE', '行政区划不属于本节点', 'The region is not served by this node', field),
  badUscc: () => new AppError(400, 'USCC_INVALID', '统一社会信用代码无效（GB 32100 校验位不符）', 'Invalid unified social credit code (GB 32100 check character)', 'body/uscc'),
  codeTaken: () => errors.conflict('DEPARTMENT_CODE_TAKEN', '部门编码已存在', 'The department code is taken', 'body/code'),
  usccTaken: () => errors.conflict('DEPARTMENT_USCC_TAKEN', '该统一社会信用代码已属于另一部门', 'Another department has this unified social credit code', 'body/uscc'),
  parentUnknown: () => errors.invalid('DEPARTMENT_UNKNOWN', 'body/parentId', '上级部门不存在', 'Unknown parent department'),
  parentCycle: () => errors.invalid('DEPARTMENT_PARENT_CYCLE', 'body/parentId', '上级部门不能是本部门或其下级部门', 'The parent cannot be the department itself or one below it'),
  nothingToChange: () => errors.invalid('NOTHING_TO_CHANGE', 'body', '没有要修改的内容', 'Nothing to change'),
};

export class OrgService {
  constructor(private readonly db: Db, readonly nodeRegion: string) {}

  region(code: string) {
    return getRegion(code);
  }

  regionChildren(code: string) {
    return childrenOf(code);
  }

  /** A region served by this node: its own region or below. */
  assertNodeRegion(code: string, field: string): void {
    if (!getRegion(code)) throw orgErrors.unknownRegion(field);
    if (!isInSubtree(code, this.nodeRegion)) throw orgErrors.outsideNode(field);
  }

  /** A department; inside a transaction pass it as `db` (PGlite has one connection: the root handle would wait for the transaction forever). */
  async department(id: string, db: Db = this.db): Promise<Department | undefined> {
    const d = await departmentsRepo.byId(db, id);
    return d && presentDepartment(d);
  }

  async departmentByCode(code: string): Promise<Department | undefined> {
    const d = await departmentsRepo.byCode(this.db, code);
    return d && presentDepartment(d);
  }

  async departments(regionCode?: string): Promise<Department[]> {
    const rows = await departmentsRepo.list(this.db, regionCode ? subtreePattern(regionCode) : undefined);
    return rows.map(presentDepartment);
  }

  async createDepartment(
    ctx: RequestContext,
    input: { code: string; name: string; nameEn: string; regionCode: string; uscc?: string; kind?: Department['kind']; parentId?: string },
  ): Promise<Department> {
    this.assertNodeRegion(input.regionCode, 'body/regionCode');
    if (input.uscc && !validateUscc(input.uscc).ok) throw orgErrors.badUscc();
    return this.db.transaction().execute(async (trx) => {
      if (await departmentsRepo.byCode(trx, input.code)) throw orgErrors.codeTaken();
      if (input.parentId && !(await departmentsRepo.byId(trx, input.parentId))) throw orgErrors.parentUnknown();
      const row = {
        id: randomUUID(),
        code: input.code,
        name: input.name,
        name_en: input.nameEn,
        region_code: input.regionCode,
        uscc: input.uscc ?? null,
        kind: input.kind ?? 'legal_authority',
        parent_id: input.parentId ?? null,
      } as const;
      await departmentsRepo.insert(trx, row);
      await recordAudit(trx, ctx, { action: 'org.department.create', entityType: 'department', entityId: row.id, detail: { code: row.code, name: row.name } });
      return presentDepartment(row);
    });
  }

  /**
   * Edits a department (platform admin): its names after an institutional reform (机构改革), its
   * credit code, kind or parent. The code and the region stay (they key the department's items,
   * staff and records); the audit entry keeps the values before and after. Other processes'
   * catalogs show the new name within their department cache's time to live.
   */
  async updateDepartment(
    ctx: RequestContext,
    id: string,
    input: { name?: string; nameEn?: string; uscc?: string | null; kind?: Department['kind']; parentId?: string | null },
  ): Promise<Department> {
    if (input.uscc && !validateUscc(input.uscc).ok) throw orgErrors.badUscc();
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('departments').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw errors.notFound('Department', '部门');
      if (input.uscc && input.uscc !== before.uscc) {
        const holder = await trx.selectFrom('departments').select('id').where('uscc', '=', input.uscc).executeTakeFirst();
        if (holder) throw orgErrors.usccTaken();
      }
      // The new parent exists and is neither this department nor one below it: walk up from it.
      for (let at = input.parentId ?? null, hops = 0; at && hops < 100; hops++) {
        if (at === id) throw orgErrors.parentCycle();
        const row = await trx.selectFrom('departments').select('parent_id').where('id', '=', at).executeTakeFirst();
        if (!row && hops === 0) throw orgErrors.parentUnknown();
        at = row?.parent_id ?? null;
      }
      const set = {
        ...(input.name !== undefined && input.name !== before.name ? { name: input.name } : {}),
        ...(input.nameEn !== undefined && input.nameEn !== before.name_en ? { name_en: input.nameEn } : {}),
        ...(input.uscc !== undefined && input.uscc !== before.uscc ? { uscc: input.uscc } : {}),
        ...(input.kind !== undefined && input.kind !== before.kind ? { kind: input.kind } : {}),
        ...(input.parentId !== undefined && input.parentId !== before.parent_id ? { parent_id: input.parentId } : {}),
      };
      if (!Object.keys(set).length) throw orgErrors.nothingToChange();
      await departmentsRepo.update(trx, id, set);
      const changed = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, { from: before[k as keyof typeof set] ?? null, to: v }]));
      await recordAudit(trx, ctx, { action: 'org.department.update', entityType: 'department', entityId: id, detail: { code: before.code, changed } });
      return presentDepartment({ ...before, ...set });
    });
  }
}
