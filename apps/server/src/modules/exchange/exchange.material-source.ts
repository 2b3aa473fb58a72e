/**
 * The `shared_data` material source (免提交): a material of a catalog item that names a shared data
 * resource is fetched through the exchange under the handling department's grant, with the
 * application as the purpose, inside the applications module's transaction. The use is recorded
 * for the person or enterprise concerned (我的数据使用记录) and logged.
 */
import type { Db } from '../../db/database';
import type { RequestContext } from '../../shared/actor';
import type { MaterialEvidence, MaterialSource, MaterialSourceRequest } from '../../shared/material-sources';
import type { ExchangeService } from './exchange.service';

export function sharedDataSource(svc: ExchangeService): MaterialSource {
  return {
    kind: 'shared_data',
    async resolve(trx: Db, _ctx: RequestContext, request: MaterialSourceRequest): Promise<MaterialEvidence> {
      const checkedAt = new Date().toISOString();
      if (request.material.source.kind !== 'shared_data') throw new Error('not a shared_data material');
      const subject = request.holder.kind === 'enterprise' ? request.holder.creditCode : request.holder.idNumber;
      if (!subject) {
        return { status: 'unavailable', kind: 'shared_data', reference: null, verified: false, data: {}, from: null, checkedAt, reason: { zh: '缺少申请人的证件号码', en: 'The applicant’s identifier is unknown' } };
      }
      const out = await svc.materialCall(trx, {
        resourceName: request.material.source.resource,
        departmentId: request.purpose.departmentId,
        subject,
        purpose: `办理「${request.purpose.itemName}」（${request.purpose.applicationNo}）`,
        reference: request.purpose.applicationNo,
      });
      return {
        status: out.status,
        kind: 'shared_data',
        reference: out.receiptId,
        verified: out.status === 'resolved',
        data: out.data,
        from: out.from,
        checkedAt,
        ...(out.reason ? { reason: out.reason } : {}),
      };
    },
  };
}
