/**
 * Materials of an application (申请材料).
 *
 * - Materials the applicant hands in cite files of the files module (uploaded before, by the
 *   applicant's subject: the person, the enterprise, or the principal of an agent). A file of
 *   someone else is refused as "not found" (its existence is not revealed).
 * - Materials the catalog marks 免提交 (source `elicence` or `shared_data`) are not asked for:
 *   at submission they are resolved through the MaterialSources seam (the licences module for
 *   e-licences, the exchange module for shared data) in the submission's transaction, and the
 *   evidence they return — resolved or unavailable, reference, verified, data, from, checkedAt —
 *   is kept with the application for the officer. For an e-licence the applicant names the
 *   licence they authorise (`licenceId`). When a source answers "unavailable" the applicant must
 *   hand the material in after all: the submission is refused naming the material, unless files
 *   for it came with the submission. A kind no module provides on this node is recorded as
 *   unavailable ("not connected") for the window to check, without refusing the submission.
 * - The officers of the departments of the application's process may read the files it cites
 *   (`application_file_grants`, checked by the read rule registered with the files module), and
 *   so may the applicant (their agent, their enterprise's staff), whoever uploaded the file: a
 *   window clerk's scans at intake are the clerk's files but the applicant's materials.
 * - Each application row counts its materials (materials_total / materials_exempt /
 *   materials_elicence) for oversight (免提交占比).
 */
import type { Db } from '../../db/database';
import type { RequestContext } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import type { MaterialEvidence, MaterialSourceRequest, MaterialSources } from '../../shared/material-sources';
import { filesByIds } from '../files';
import './applications.tables';

export interface MaterialInput {
  key: string;
  fileIds?: string[];
  licenceId?: string;
}

export interface CatalogMaterial {
  key: string;
  name: string;
  requirement: string;
  source: { kind: string; licenceType?: string; resource?: string };
}

export interface FileRef {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
}

/** What the application keeps about each material of its item. */
export interface MaterialRecord {
  key: string;
  name: string;
  requirement: string;
  source: string;
  /** 免提交: the catalog says the government already has it. */
  exempt: boolean;
  /** handed_in (files), missing (none yet), resolved (免提交, evidence), uploaded_instead (免提交 source unavailable, files given). */
  status: 'handed_in' | 'missing' | 'resolved' | 'unavailable' | 'uploaded_instead';
  files: FileRef[];
  licenceId?: string | null;
  evidence?: MaterialEvidence | null;
}

export const materialErrors = {
  unknown: (field: string, key: string) =>
    new AppError(400, 'MATERIAL_UNKNOWN', `「${key}」不是本事项的申请材料`, `"${key}" is not a material of this item`, field),
  fileNotFound: (field: string) => new AppError(400, 'MATERIAL_FILE_NOT_FOUND', '引用的材料文件不存在或不属于申请人', 'A cited file does not exist or is not the applicant\'s', field),
  uploadRequired: (field: string, m: { key: string; name: string }, reason?: { zh: string; en: string }) =>
    new AppError(
      400,
      'MATERIAL_UPLOAD_REQUIRED',
      `材料「${m.name}」无法通过${reason ? `免提交方式取得（${reason.zh}）` : '免提交方式取得'}，请上传该材料后再提交`,
      `The material "${m.name}" could not be obtained from government data${reason ? ` (${reason.en})` : ''}; upload it and submit again`,
      field,
      { material: m.key, reason: reason ?? null },
    ),
  licenceNotExempt: (field: string, key: string) =>
    new AppError(400, 'MATERIAL_LICENCE_NOT_EXPECTED', `材料「${key}」不是电子证照，不能授权证照`, `The material "${key}" is not an e-licence; no licence can be authorised for it`, field),
};

const EXEMPT = new Set(['elicence', 'shared_data']);

/** Checks the applicant's material input against the item and the files module (outside a transaction). */
export async function checkMaterialInput(db: Db, ownerId: string, materials: readonly CatalogMaterial[], input: MaterialInput[], fieldBase = 'body/materials'): Promise<Map<string, FileRef>> {
  const byKey = new Map(materials.map((m) => [m.key, m]));
  const ids = new Set<string>();
  input.forEach((m, i) => {
    const cm = byKey.get(m.key);
    if (!cm) throw materialErrors.unknown(`${fieldBase}/${i}/key`, m.key);
    if (m.licenceId && cm.source.kind !== 'elicence') throw materialErrors.licenceNotExempt(`${fieldBase}/${i}/licenceId`, m.key);
    for (const f of m.fileIds ?? []) ids.add(f);
  });
  const files = new Map<string, FileRef>();
  if (!ids.size) return files;
  const found = await filesByIds(db, [...ids]);
  for (const f of found) if (f.ownerId === ownerId) files.set(f.id, { id: f.id, name: f.originalName, mediaType: f.mediaType, size: f.size, sha256: f.sha256 });
  input.forEach((m, i) => (m.fileIds ?? []).forEach((id, j) => {
    if (!files.has(id)) throw materialErrors.fileNotFound(`${fieldBase}/${i}/fileIds/${j}`);
  }));
  return files;
}

export interface ResolveContext {
  trx: Db;
  ctx: RequestContext;
  sources: MaterialSources | undefined;
  holder: MaterialSourceRequest['holder'];
  purpose: MaterialSourceRequest['purpose'];
  now: Date;
  /** Index of the input in the request body, for the problem's field. */
  fieldOf: (key: string) => string;
}

/** The materials of one item as submitted: files for those handed in, evidence for 免提交 ones. */
export async function resolveMaterials(materials: readonly CatalogMaterial[], input: MaterialInput[], files: Map<string, FileRef>, r: ResolveContext): Promise<MaterialRecord[]> {
  const given = new Map(input.map((m) => [m.key, m]));
  const out: MaterialRecord[] = [];
  for (const m of materials) {
    const inp = given.get(m.key);
    const refs = (inp?.fileIds ?? []).map((id) => files.get(id)!).filter(Boolean);
    const base = { key: m.key, name: m.name, requirement: m.requirement, source: m.source.kind, exempt: EXEMPT.has(m.source.kind), files: refs };
    if (!EXEMPT.has(m.source.kind)) {
      out.push({ ...base, status: refs.length ? 'handed_in' : 'missing' });
      continue;
    }
    const source = r.sources?.get(m.source.kind as 'elicence' | 'shared_data');
    let evidence: MaterialEvidence;
    if (!source) {
      evidence = {
        status: 'unavailable',
        kind: m.source.kind as 'elicence' | 'shared_data',
        reference: null,
        verified: false,
        data: {},
        from: null,
        checkedAt: r.now.toISOString(),
        reason: { zh: '本节点尚未接入该数据来源，请窗口人员核验', en: 'This source is not connected on this node; the window checks the material' },
      };
    } else {
      const material: MaterialSourceRequest['material'] =
        m.source.kind === 'elicence'
          ? { key: m.key, name: m.name, source: { kind: 'elicence', licenceType: m.source.licenceType ?? '' } }
          : { key: m.key, name: m.name, source: { kind: 'shared_data', resource: m.source.resource ?? '' } };
      evidence = await source.resolve(r.trx, r.ctx, { material, holder: r.holder, purpose: r.purpose, ...(inp?.licenceId ? { licenceId: inp.licenceId } : {}) });
      if (evidence.status !== 'resolved' && !refs.length && m.requirement === 'required') throw materialErrors.uploadRequired(r.fieldOf(m.key), m, evidence.reason);
    }
    const status: MaterialRecord['status'] = evidence.status === 'resolved' ? 'resolved' : refs.length ? 'uploaded_instead' : 'unavailable';
    out.push({ ...base, status, licenceId: inp?.licenceId ?? null, evidence });
  }
  return out;
}

/** The counts oversight reads: materials of the item, those supplied from government data, from e-licences. */
export function materialCounts(list: MaterialRecord[]) {
  return {
    materials_total: list.length,
    materials_exempt: list.filter((m) => m.status === 'resolved').length,
    materials_elicence: list.filter((m) => m.status === 'resolved' && m.source === 'elicence').length,
  };
}

/** Lets the departments of an application's process read the files it cites. */
export async function grantFiles(trx: Db, applicationId: string, fileIds: string[], departmentIds: string[]): Promise<void> {
  const rows = [...new Set(fileIds)].flatMap((file_id) => [...new Set(departmentIds)].map((department_id) => ({ file_id, application_id: applicationId, department_id })));
  if (!rows.length) return;
  await trx.insertInto('application_file_grants').values(rows).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * The applicant's read rule for the files module: the subject (the person, the enterprise, or the
 * principal of an agent) of an application that cites the file may read it, whoever uploaded it —
 * e.g. the scans a window clerk attached at the counter (窗口收件), owned by the clerk. Every cited
 * file has grant rows (one per handling department), so they also say which application cites it.
 */
export async function applicantMayRead(db: Db, subjectId: string, fileId: string): Promise<boolean> {
  const r = await db
    .selectFrom('application_file_grants as g')
    .innerJoin('applications as a', 'a.id', 'g.application_id')
    .select('g.file_id')
    .where('g.file_id', '=', fileId)
    .where('a.applicant_id', '=', subjectId)
    .limit(1)
    .executeTakeFirst();
  return !!r;
}

/** The read rule for the files module: an officer of a department handling an application that cites the file. */
export async function departmentMayRead(db: Db, departmentId: string, fileId: string): Promise<boolean> {
  const r = await db.selectFrom('application_file_grants').select('file_id').where('department_id', '=', departmentId).where('file_id', '=', fileId).limit(1).executeTakeFirst();
  return !!r;
}
