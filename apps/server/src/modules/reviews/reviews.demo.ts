/**
 * Demo data of the reviews module, so that the public statistics and the ledger are not empty:
 * window visits at three departments rated on the window device (一次一评), one 差评 that went
 * through verify → rectify → feedback and was re-rated, and one 差评 still being verified.
 * Everything goes through the service (validated and audited). Called once by demo/seed.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { RequestContext } from '../../shared/actor';
import { isInSubtree } from '../../shared/regions';
import { demoItemId } from '../catalog';
import type { ReviewsModule } from './index';
import { seedDemoInteraction } from '../interaction';

const onsite = (level: number) => ({ overall: level, efficiency: level, service_level: level, attitude: level });

export async function seedDemoReviews(app: FastifyInstance, reviews: ReviewsModule, base: RequestContext): Promise<void> {
  const svc = reviews.service;
  const ctxOf = (username: string) => app.services.identity.accountContext({ username }, base);
  const device = { ...base, ip: '10.20.0.8' };
  const plan: { clerk: string; item: string; levels: number[] }[] = [
    { clerk: 'scjg.window', item: 'scjg.change', levels: [5, 4, 3, 5] },
    { clerk: 'gaj.window', item: 'gaj.id-renewal', levels: [5, 4, 2] },
    { clerk: 'scjg.window', item: 'scjg.food', levels: [5, 4] },
  ];
  let n = 0;
  for (const p of plan) {
    const clerk = await ctxOf(p.clerk);
    for (const level of p.levels) {
      const v = await svc.createVisit({ ...clerk, audited: false }, { itemId: demoItemId(p.item), personName: ['王先生', '陈女士', '林先生', '刘女士', '黄先生', '郑女士'][n++ % 6] });
      await svc.reviewVisit({ ...device, audited: false }, v.token, {
        level,
        scores: onsite(level),
        channel: 'window_device',
        comment: level <= 2 ? '窗口排队时间太长，工作人员解释不清楚需要的材料' : level >= 5 ? '办理很快，态度很好' : undefined,
        deviceId: `window-${p.clerk}`,
      });
    }
  }
  // One 差评 rectified and re-rated.
  const clerk = await ctxOf('scjg.window');
  const v = await svc.createVisit({ ...clerk, audited: false }, { itemId: demoItemId('scjg.individual'), personName: '赵先生' });
  const bad = await svc.reviewVisit({ ...device, audited: false }, v.token, { level: 1, scores: onsite(1), channel: 'sms', comment: '材料被退回三次，每次说法不一样' });
  const officer = await ctxOf('scjg.admin');
  const caseId = bad.case!.id;
  await svc.step({ ...officer, audited: false }, caseId, 'verify', { finding: 'confirmed', note: '经调取窗口录像核实，一次性告知不到位，情况属实' });
  await svc.step({ ...officer, audited: false }, caseId, 'rectify', { measures: '对窗口人员开展一次性告知培训，材料清单上墙并在网上同步公布' });
  await svc.step({ ...officer, audited: false }, caseId, 'feedback', { message: '已电话致歉并说明整改措施，欢迎再次评价' });
  await svc.rerateVisit({ ...device, audited: false }, v.token, { level: 4, scores: onsite(4), channel: 'sms', comment: '整改后态度明显改善' });
}

/** The one call of demo/seed.ts: reviews, then inquiries and the knowledge base. */
export async function seedDemoReviewsAndInquiries(app: FastifyInstance, base: RequestContext): Promise<void> {
  // The demo node is Fuzhou (Fujian); a node elsewhere gets no demo reviews or inquiries.
  if (!isInSubtree('350102', app.services.org.nodeRegion)) return;
  await seedDemoReviews(app, app.services.reviews, base);
  await seedDemoInteraction(app, app.services.interaction, base);
}
