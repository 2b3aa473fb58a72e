/**
 * The seam between applications and the modules that hold data the government already has
 * (免提交). A material of a catalog item whose source is an e-licence (`elicence`) or a shared
 * data resource (`shared_data`) is not handed in: the applications module asks the source
 * registered for that kind, in its own transaction, with the application as the purpose, and keeps
 * the evidence it gets back (what was verified, from where, when) for the officer to see.
 *
 * - The licences module registers the `elicence` source: it checks that the holder authorised
 *   (授权用证) one of their own valid licences of the right type and returns its verified fields.
 * - The exchange module registers the `shared_data` source: it calls the resource under the
 *   consuming department's grant with the application as purpose, and logs the use (我的数据使用记录).
 *
 * Nothing here knows either module; app.ts wires them.
 */
import type { Db } from '../db/database';
import type { RequestContext } from './actor';

export type MaterialSourceKind = 'elicence' | 'shared_data';

export interface MaterialSourceRequest {
  /** The material as the item's published version states it. */
  material: { key: string; name: string; source: { kind: 'elicence'; licenceType: string } | { kind: 'shared_data'; resource: string } };
  /** Whose data it is: the applicant (the principal when an agent applies). */
  holder: { kind: 'person' | 'enterprise'; accountId: string; displayName: string; idNumber?: string; creditCode?: string };
  /** Why it is used: the application, the item and the department that will read it. */
  purpose: { applicationId: string; applicationNo: string; itemId: string; itemName: string; departmentId: string };
  /** For `elicence`: the licence the holder chose to authorise for this material. */
  licenceId?: string;
}

export interface MaterialEvidence {
  status: 'resolved' | 'unavailable';
  kind: MaterialSourceKind;
  /** The licence id or the exchange call id this evidence comes from. */
  reference: string | null;
  /** Signature, issuer trust and status (licence) or grant and provider signature (shared data) checked. */
  verified: boolean;
  /** What the officer sees instead of a scan. */
  data: Record<string, unknown>;
  /** Issuing or providing department, for display. */
  from: string | null;
  checkedAt: string;
  /** Why it is unavailable (then the applicant must hand the material in after all). */
  reason?: { zh: string; en: string };
}

export interface MaterialSource {
  kind: MaterialSourceKind;
  resolve(trx: Db, ctx: RequestContext, request: MaterialSourceRequest): Promise<MaterialEvidence>;
}

/** The registry app.ts fills; applications asks it. An unregistered kind is simply unavailable. */
export class MaterialSources {
  private readonly sources = new Map<MaterialSourceKind, MaterialSource>();

  register(source: MaterialSource): void {
    this.sources.set(source.kind, source);
  }

  get(kind: MaterialSourceKind): MaterialSource | undefined {
    return this.sources.get(kind);
  }
}
