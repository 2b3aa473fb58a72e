/**
 * Process definitions kept by this module (application_processes): a department admin imports an
 * item's process from BPMN 2.0 (drawn in a standard modeler), with conditions on form data that
 * the catalog's stage schema cannot express; from then on new applications for the item run it
 * (running applications keep the steps they were submitted with). Export gives the process in
 * force — imported, or the catalog's — as BPMN. Removing the import returns to the catalog's.
 */
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import { hasRole, type RequestContext } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import type { OrgService } from '../org';
import type { CatalogReader, ItemContent } from './applications.catalog';
import { checkProcess, fromBpmn, toBpmn, type ProcessDef, type ProcessStage } from './applications.bpmn';
import './applications.tables';

const notFound = () => new AppError(404, 'ITEM_NOT_FOUND', '事项不存在或尚未发布', 'The service item does not exist or is not published');
const otherDepartment = () => new AppError(403, 'ITEM_OTHER_DEPARTMENT', '只能管理本部门事项的办理流程', "Only your own department's items' processes can be managed");

/** A process with every stage's department(s) written out (so two equal processes compare equal). */
export function normalizeProcess(def: { stages: readonly Partial<ProcessStage>[]; payment: ProcessDef['payment'] }, itemDepartment: string): ProcessDef {
  return {
    stages: def.stages.map((s) => {
      const multi = s.kind !== 'single' && (s.departments?.length ?? 0) >= 2;
      return {
        key: s.key!,
        name: s.name!,
        role: s.role!,
        ...(multi ? { departments: [...s.departments!] } : { department: s.department ?? s.departments?.[0] ?? itemDepartment }),
        budgetDays: s.budgetDays!,
        kind: multi ? s.kind! : 'single',
        ...(s.materials?.length ? { materials: [...s.materials] } : {}),
        ...(s.condition ? { condition: s.condition } : {}),
      };
    }),
    payment: def.payment ? { afterStage: def.payment.afterStage, budgetDays: def.payment.budgetDays } : null,
  };
}

/** Imported processes by item id. */
const byItem = (rows: { item_id: string; process: unknown }[]) => new Map(rows.map((r) => [r.item_id, r.process as ProcessDef]));

export const processesRepo = {
  get: (db: Db, itemId: string) => db.selectFrom('application_processes').selectAll().where('item_id', '=', itemId).executeTakeFirst(),
  many: (db: Db, itemIds: string[]) => (itemIds.length ? processesRepo.manyQuery(db, itemIds).execute() : Promise.resolve([])),
  manyQuery: (db: Db, itemIds: string[]) => db.selectFrom('application_processes').select(['item_id', 'process']).where('item_id', 'in', itemIds.length ? itemIds : [null as unknown as string]),
};

export class ProcessDefinitions {
  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogReader,
    private readonly org: OrgService,
  ) {}

  /** The process new applications of the item run: the imported one, or the catalog's. */
  async override(itemId: string): Promise<ProcessDef | null> {
    const row = await processesRepo.get(this.db, itemId);
    return row ? (row.process as unknown as ProcessDef) : null;
  }

  /** `override` of several items in one query (the items of a bundle). */
  async overrides(itemIds: string[]): Promise<Map<string, ProcessDef>> {
    return byItem(await processesRepo.many(this.db, itemIds));
  }

  /** `overrides` as a statement to run with others in one round trip (a submission's first), and its rows read. */
  overridesRead(db: Db, itemIds: string[]) {
    return {
      query: processesRepo.manyQuery(db, itemIds).compile(),
      read: (rows: unknown[]) => byItem(rows as { item_id: string; process: unknown }[]),
    };
  }

  private async item(ctx: RequestContext, itemId: string): Promise<{ id: string; version: number; content: ItemContent }> {
    const actor = requireActor(ctx);
    const offer = await this.catalog.itemOffer(itemId);
    if (!offer) throw notFound();
    const v = await this.catalog.itemVersion(itemId, offer.latestVersion);
    if (!v) throw notFound();
    if (!hasRole(actor, 'platform_admin') && actor.departmentId !== v.content.departmentId) throw otherDepartment();
    return v;
  }

  async get(ctx: RequestContext, itemId: string) {
    const v = await this.item(ctx, itemId);
    const row = await processesRepo.get(this.db, itemId);
    return {
      itemId,
      itemName: v.content.name,
      source: row ? ('imported' as const) : ('catalog' as const),
      process: row ? (row.process as unknown as ProcessDef) : normalizeProcess(v.content.process as ProcessDef, v.content.departmentId),
      updatedAt: row ? new Date(row.updated_at).toISOString() : null,
    };
  }

  async exportBpmn(ctx: RequestContext, itemId: string): Promise<string> {
    const v = await this.item(ctx, itemId);
    const p = await this.get(ctx, itemId);
    const codes = new Map((await this.org.departments()).map((d) => [d.id, d.code]));
    return toBpmn(p.process, { processId: `Process_${itemId.replace(/-/g, '')}`, name: v.content.name, codeOf: (id) => codes.get(id) ?? id, itemDepartment: v.content.departmentId });
  }

  async importBpmn(ctx: RequestContext, itemId: string, input: { bpmn: string; dryRun?: boolean }) {
    const v = await this.item(ctx, itemId);
    const byCode = new Map((await this.org.departments()).map((d) => [d.code, d.id]));
    const def = normalizeProcess(fromBpmn(input.bpmn, { departmentByCode: (c) => byCode.get(c), itemDepartment: v.content.departmentId }), v.content.departmentId);
    const fields = new Set(Object.keys(((v.content.form as { properties?: Record<string, unknown> }).properties ?? {}) as object));
    checkProcess(def, fields);
    const actor = requireActor(ctx);
    if (input.dryRun)
      await this.db.transaction().execute((trx) => recordAudit(trx, ctx, { action: 'application.process.preview', entityType: 'catalog_item', entityId: itemId, detail: { stages: def.stages.map((s) => s.key) } }));
    else
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('application_processes')
          .values({ item_id: itemId, process: JSON.stringify(def) as never, bpmn: input.bpmn, updated_by: actor.accountId, updated_at: new Date() })
          .onConflict((oc) => oc.column('item_id').doUpdateSet({ process: JSON.stringify(def) as never, bpmn: input.bpmn, updated_by: actor.accountId, updated_at: new Date() }))
          .execute();
        await recordAudit(trx, ctx, { action: 'application.process.import', entityType: 'catalog_item', entityId: itemId, detail: { stages: def.stages.map((s) => s.key), conditional: def.stages.filter((s) => s.condition).map((s) => s.key) } });
      });
    return { itemId, itemName: v.content.name, source: 'imported' as const, process: def, dryRun: !!input.dryRun, updatedAt: input.dryRun ? null : new Date().toISOString() };
  }

  async remove(ctx: RequestContext, itemId: string): Promise<void> {
    await this.item(ctx, itemId);
    await this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('application_processes').where('item_id', '=', itemId).executeTakeFirst();
      if (!Number(r.numDeletedRows)) throw new AppError(404, 'PROCESS_NOT_IMPORTED', '该事项没有导入的办理流程', 'The item has no imported process');
      await recordAudit(trx, ctx, { action: 'application.process.remove', entityType: 'catalog_item', entityId: itemId, detail: {} });
    });
  }
}
