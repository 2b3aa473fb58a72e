/**
 * The `elicence` material source (授权用证 / 免提交): when an application's material accepts an
 * e-licence, the applications module asks here, in its own transaction, with the application as
 * purpose. The licence the holder authorised (or, when none was named, their current one of the
 * type) must be theirs, of the right type, valid (not suspended, revoked or expired), from a
 * trusted issuer whose key is not withdrawn, and its issuer signature must verify. The officer
 * then sees its verified fields; the use is recorded for the holder (licenceUsesOf) and in the
 * transparency log.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database';
import type { RequestContext } from '../../shared/actor';
import type { MaterialEvidence, MaterialSource, MaterialSourceRequest } from '../../shared/material-sources';
import type { OrgService } from '../org';
import { appendToLog } from '../transparency';
import { verifySignature, type Jwk } from './crypto/algorithms';
import { effectiveStatus, type LicenceIssuance } from './licences.issuance';
import { licencesRepo, usesRepo } from './licences.repository';
import { licenceType } from './licences.types';
import type { LicenceVerification } from './licences.verification';
import { REFUSALS, type RefusalCode } from './verifier';

const UNAVAILABLE = {
  NOT_FOUND: { zh: '未找到持证人本人有效的该类电子证照', en: 'The holder has no valid licence of this type' },
  NOT_HOLDERS: { zh: '所选证照不属于申请人', en: 'The chosen licence is not the applicant’s' },
  WRONG_TYPE: { zh: '所选证照类型与材料要求不符', en: 'The chosen licence is not of the type the material needs' },
} as const;

export function elicenceSource(deps: { org: OrgService; issuance: LicenceIssuance; verification: LicenceVerification }): MaterialSource {
  return {
    kind: 'elicence',
    async resolve(trx: Db, ctx: RequestContext, req: MaterialSourceRequest): Promise<MaterialEvidence> {
      const checkedAt = new Date().toISOString();
      const wanted = req.material.source.kind === 'elicence' ? req.material.source.licenceType : null;
      const unavailable = (reason: { zh: string; en: string }, reference: string | null = null): MaterialEvidence => ({ status: 'unavailable', kind: 'elicence', reference, verified: false, data: {}, from: null, checkedAt, reason });
      if (!wanted) return unavailable(UNAVAILABLE.WRONG_TYPE);
      const row = req.licenceId ? await licencesRepo.byId(trx, req.licenceId) : await licencesRepo.currentOfHolder(trx, req.holder.accountId, wanted);
      if (!row) return unavailable(UNAVAILABLE.NOT_FOUND);
      if (row.holder_account_id !== req.holder.accountId) return unavailable(UNAVAILABLE.NOT_HOLDERS);

      const record = async (outcome: 'resolved' | 'unavailable', reason: string | null, fields: string[]) => {
        const id = randomUUID();
        const purpose = { applicationId: req.purpose.applicationId, applicationNo: req.purpose.applicationNo, itemId: req.purpose.itemId, itemName: req.purpose.itemName, material: req.material.name, materialKey: req.material.key };
        const { leafHash } = await appendToLog(trx, { type: 'licence.used', subject: row.id, useId: id, licenceType: row.type, department: req.purpose.departmentId, applicationNo: req.purpose.applicationNo, outcome, reason });
        await usesRepo.insert(trx, {
          id,
          licence_id: row.id,
          holder_account_id: row.holder_account_id,
          licence_type: row.type,
          used_by_department_id: req.purpose.departmentId,
          used_by_actor: ctx.actor?.accountId ?? null,
          used_by_name: ctx.actor?.displayName ?? 'system',
          purpose: JSON.stringify(purpose),
          fields: JSON.stringify(fields),
          outcome,
          reason,
          leaf_hash: leafHash,
        });
      };
      const refuse = async (code: RefusalCode | 'WRONG_TYPE') => {
        const reason = code === 'WRONG_TYPE' ? UNAVAILABLE.WRONG_TYPE : REFUSALS[code];
        await record('unavailable', code, []);
        return unavailable(reason, row.id);
      };
      if (row.type !== wanted) return refuse('WRONG_TYPE');
      const status = effectiveStatus(row);
      if (status === 'revoked') return refuse('REVOKED');
      if (status === 'suspended') return refuse('SUSPENDED');
      if (status === 'expired') return refuse('EXPIRED');
      const { fields, sdJwt } = deps.issuance.open(row);
      const [jwt] = sdJwt.split('~');
      const [h, p, s] = jwt.split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; kid: string };
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss: string };
      const key = await deps.verification.resolverFor(trx).issuerKey(payload.iss, header.kid);
      if (key === 'untrusted') return refuse('UNTRUSTED_ISSUER');
      if (key === 'unknown_key') return refuse('UNKNOWN_ISSUER_KEY');
      if (!verifySignature(header.alg, key.jwk as Jwk, Buffer.from(`${h}.${p}`, 'ascii'), Buffer.from(s, 'base64url'))) return refuse('SIGNATURE_INVALID');
      const def = licenceType(row.type)!;
      const data: Record<string, unknown> = { 证照类型: def.zh, 证照编号: row.number };
      for (const f of def.fields) if (fields[f.key] !== undefined) data[f.zh] = fields[f.key];
      data['有效期'] = `${row.valid_from.toISOString().slice(0, 10)} 至 ${row.valid_until ? row.valid_until.toISOString().slice(0, 10) : '长期'}`;
      await record('resolved', null, Object.keys(fields));
      return { status: 'resolved', kind: 'elicence', reference: row.id, verified: true, data, from: key.issuer.name, checkedAt };
    },
  };
}
