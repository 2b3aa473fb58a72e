/**
 * Loads the demo catalog through the catalog service (validated, linted, published and audited
 * like any other entry). Idempotent: entries keep stable ids derived from their keys, and those
 * that exist are left alone.
 */
import type { RequestContext } from '../../../shared/actor';
import type { OrgService } from '../../org';
import { nameUuid, type CatalogService } from '../catalog.service';
import { demoBundles } from './bundles';
import { demoItems } from './items';

export const demoItemId = (key: string) => nameUuid(`demo:item:${key}`);
export const demoBundleId = (key: string) => nameUuid(`demo:bundle:${key}`);

export async function seedDemoCatalog(catalog: CatalogService, org: OrgService, ctx: RequestContext) {
  const depts = new Map((await org.departments()).map((d) => [d.code, d.id]));
  const dept = (code: string) => {
    const id = depts.get(code);
    if (!id) throw new Error(`demo catalog: department ${code} is missing`);
    return id;
  };
  return catalog.loadPublished(ctx, {
    items: demoItems.map((i) => ({ id: demoItemId(i.key), content: { ...i.content, departmentId: dept(i.dept) } })),
    bundles: demoBundles.map((b) => ({
      id: demoBundleId(b.key),
      content: {
        ...b.content,
        leadDepartmentId: dept(b.lead),
        items: b.items.map((k) => ({ itemId: demoItemId(k) })),
        dependencies: b.dependencies.map((d) => ({ ...d, from: demoItemId(d.from), to: demoItemId(d.to) })),
        fieldMap: [],
      },
    })),
  });
}
