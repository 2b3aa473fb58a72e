/** Stable error codes of the reviews module (problem+json `code`), Chinese and English. */
import { AppError, errors } from '../../shared/errors';

export const reviewErrors = {
  applicationNotFound: () => new AppError(404, 'NOT_FOUND', '办件不存在', 'Application not found', 'body/applicationId'),
  reviewNotFound: () => errors.notFound('Review', '评价'),
  caseNotFound: () => errors.notFound('Rectification case', '整改工单'),
  visitNotFound: () => new AppError(404, 'VISIT_NOT_FOUND', '评价链接无效或已过期', 'The rating link is invalid or has expired', 'params/token'),
  notApplicant: () => new AppError(403, 'REVIEW_NOT_APPLICANT', '只有申请人或其代办人可以评价该办件', 'Only the applicant or their agent may review this application', 'body/applicationId'),
  notConcluded: (state: string) =>
    new AppError(409, 'REVIEW_NOT_CONCLUDED', '办件尚未办结，办结后方可评价', 'The application is not concluded yet; it can be reviewed once concluded', 'body/applicationId', { state }),
  notRoot: () => new AppError(409, 'REVIEW_NOT_ROOT', '一件事的单个事项不单独评价，请评价整个一件事', 'A bundle is reviewed as a whole, not item by item', 'body/applicationId'),
  already: () => new AppError(409, 'REVIEW_ALREADY_GIVEN', '已评价过（一事一评），不能重复评价；可在规定时间内更正', 'Already reviewed (one review per service); it can only be corrected within the correction window'),
  correctionClosed: (minutes: number) =>
    new AppError(409, 'REVIEW_CORRECTION_CLOSED', `评价提交 ${minutes} 分钟后不能再更正`, `A review can only be corrected within ${minutes} minutes of giving it`, undefined, { minutes }),
  notYours: () => new AppError(403, 'REVIEW_NOT_YOURS', '只能更正或重新评价自己的评价', 'You can only correct or re-rate your own review'),
  rerateNotOpen: () => new AppError(409, 'REVIEW_RERATE_NOT_OPEN', '整改反馈后方可重新评价，且只能重新评价一次', 'A review can be re-rated once, after the department has fed back its rectification'),
  scoresInvalid: (missing: string[], extra: string[]) =>
    new AppError(
      400,
      'REVIEW_INDICATORS_INVALID',
      `评价指标不完整或不属于本渠道：${[...missing.map((m) => `缺少 ${m}`), ...extra.map((e) => `多余 ${e}`)].join('、')}`,
      `Indicators missing or not of this channel: ${[...missing.map((m) => `missing ${m}`), ...extra.map((e) => `unexpected ${e}`)].join(', ')}`,
      `body/scores/${missing[0] ?? extra[0]}`,
      { missing, extra },
    ),
  overallMismatch: () => errors.invalid('REVIEW_OVERALL_MISMATCH', 'body/scores/overall', '总体评价须与评价等级一致', 'The overall indicator must equal the level'),
  channelInvalid: (allowed: string[]) =>
    new AppError(400, 'REVIEW_CHANNEL_INVALID', `该评价只能通过以下渠道：${allowed.join('、')}`, `This review can only come through: ${allowed.join(', ')}`, 'body/channel', { allowed }),
  commentRequired: () => errors.invalid('REVIEW_COMMENT_REQUIRED', 'body/comment', '差评须说明原因（至少 5 个字）', 'A bad review needs a reason (at least 5 characters)'),
  otherDepartment: () => new AppError(403, 'CASE_OTHER_DEPARTMENT', '该整改工单属于其他部门', 'This rectification case belongs to another department'),
  outOfRegion: () => new AppError(403, 'CASE_OUT_OF_REGION', '该整改工单不在您的监督区域内', 'This case is outside your region'),
  caseState: (state: string, action: string) =>
    new AppError(409, 'CASE_STATE_CONFLICT', `整改工单当前为「${CASE_STATES[state]?.zh ?? state}」，不能${ACTION_ZH[action] ?? action}`, `The case is ${CASE_STATES[state]?.en ?? state}; cannot ${action}`, undefined, { state }),
  appealAgain: () => errors.conflict('APPEAL_ALREADY_MADE', '每个工单只能申诉一次', 'A case can be appealed only once'),
  evidenceInvalid: (i: number) => errors.invalid('APPEAL_EVIDENCE_INVALID', `body/evidenceFileIds/${i}`, '证据材料不存在或不是您上传的', 'The evidence file does not exist or was not uploaded by you'),
  regionInvalid: () => errors.invalid('REGION_INVALID', 'params/regionCode', '行政区划代码无效', 'Unknown region code'),
  followUpNotFound: () => errors.notFound('Follow-up call', '回访记录'),
  followUpDone: () => errors.conflict('FOLLOW_UP_DONE', '该回访已完成', 'This follow-up call is already recorded'),
  itemNotFound: () => new AppError(404, 'ITEM_NOT_FOUND', '事项不存在或尚未发布', 'The service item does not exist or is not published', 'body/itemId'),
  inviteLinkInvalid: () => new AppError(404, 'INVITE_LINK_INVALID', '评价链接无效或已过期', 'The rating link is invalid or has expired', 'params/token'),
  inviteLinkUsed: () => errors.conflict('INVITE_LINK_USED', '该评价链接已使用过（一事一评）', 'This rating link has already been used (one review per service)'),
  flagNotFound: () => errors.notFound('Gaming flag', '刷评预警'),
  flagResolved: (state: string) => new AppError(409, 'FLAG_ALREADY_RESOLVED', `该预警已处理（${state === 'confirmed' ? '确认刷评' : '排除'}），不能重复处理`, `This flag is already resolved (${state})`, undefined, { state }),
  noDepartment: () => new AppError(403, 'NO_DEPARTMENT', '您的账号不属于任何部门', 'Your account belongs to no department'),
};

export const CASE_STATES: Record<string, { zh: string; en: string }> = {
  verifying: { zh: '待核实', en: 'verifying' },
  rectifying: { zh: '整改中', en: 'rectifying' },
  feedback: { zh: '待反馈', en: 'awaiting feedback' },
  awaiting_rerate: { zh: '已反馈，待重新评价', en: 'fed back, awaiting re-rating' },
  closed: { zh: '已办结', en: 'closed' },
  appealed: { zh: '申诉中', en: 'under appeal' },
  annulled: { zh: '已撤销', en: 'annulled' },
};
/** Why a case ended (`closed_reason`): re-rated after the feedback, or annulled for one of three reasons. */
export const CLOSED_REASONS: Record<'rerated' | 'corrected' | 'appeal_upheld' | 'review_annulled', { zh: string; en: string }> = {
  rerated: { zh: '评价人已重新评价', en: 're-rated by the reviewer' },
  corrected: { zh: '评价人已将差评更正为非差评', en: 'the reviewer corrected the bad review' },
  appeal_upheld: { zh: '申诉成立，差评已撤销', en: 'appeal upheld; the review was annulled' },
  review_annulled: { zh: '评价经认定为刷评，已作废', en: 'review annulled (confirmed gaming)' },
};
const ACTION_ZH: Record<string, string> = { verify: '核实', rectify: '整改', feedback: '反馈', appeal: '申诉', decide: '审核申诉' };
