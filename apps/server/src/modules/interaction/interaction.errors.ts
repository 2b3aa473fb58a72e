/** Stable error codes of the interaction module (problem+json `code`), Chinese and English. */
import { AppError, errors } from '../../shared/errors';

export const inquiryErrors = {
  notFound: () => errors.notFound('Inquiry', '诉求'),
  trackingNotFound: () => new AppError(404, 'TRACKING_CODE_INVALID', '查询码与诉求编号不匹配', 'The tracking code does not match this inquiry number', 'query/code'),
  signInRequired: () => new AppError(401, 'INQUIRY_SIGN_IN_REQUIRED', '咨询、投诉、建议和求助须实名登录后提交；举报可匿名', 'Consultations, complaints, suggestions and requests for help need sign-in; only reports may be anonymous', 'body/kind'),
  categoryUnknown: (field = 'body/category') => new AppError(400, 'INQUIRY_CATEGORY_UNKNOWN', '诉求分类不存在', 'Unknown category', field),
  regionInvalid: (field = 'body/regionCode') => new AppError(400, 'REGION_INVALID', '行政区划代码无效或不属于本平台服务范围', 'Unknown region, or outside the region this platform serves', field),
  pointOutside: (field = 'body/location') => new AppError(400, 'LOCATION_OUTSIDE_REGION', '地图位置不在所选行政区划范围内', 'The map point is outside the chosen region', field),
  attachmentInvalid: (i: number) => errors.invalid('ATTACHMENT_INVALID', `body/attachmentIds/${i}`, '附件不存在或不是您上传的', 'The attachment does not exist or was not uploaded by you'),
  attachmentType: (i: number, type: string) => errors.invalid('ATTACHMENT_TYPE', `body/attachmentIds/${i}`, `附件只能是照片（JPG、PNG）或 PDF 文件，不能是 ${type}`, `Attachments must be photos (JPEG, PNG) or PDF documents, not ${type}`),
  attachmentTooLarge: (i: number, max: number) => errors.invalid('ATTACHMENT_TOO_LARGE', `body/attachmentIds/${i}`, `每个附件不能超过 ${max / 1024 / 1024} MB`, `Each attachment must be at most ${max / 1024 / 1024} MB`),
  attachmentsAnonymous: () => errors.invalid('ATTACHMENT_ANONYMOUS', 'body/attachmentIds', '匿名举报不能附带已上传的附件（附件会关联身份）', 'Anonymous reports cannot carry uploaded files (they would reveal the uploader)'),
  itemNotFound: (field = 'body/itemId') => new AppError(404, 'ITEM_NOT_FOUND', '事项不存在或尚未发布', 'The service item does not exist or is not published', field),
  state: (state: string, action: string) =>
    new AppError(409, 'INQUIRY_STATE_CONFLICT', `诉求当前为「${STATE_LABELS[state]?.zh ?? state}」，不能${ACTION_ZH[action] ?? action}`, `The inquiry is ${STATE_LABELS[state]?.en ?? state}; cannot ${action}`, undefined, { state }),
  otherDepartment: () => new AppError(403, 'INQUIRY_OTHER_DEPARTMENT', '该工单未派给您的部门', 'This inquiry is not assigned to your department'),
  outOfRegion: () => new AppError(403, 'INQUIRY_OUT_OF_REGION', '该工单不在您的区域内', 'This inquiry is outside your region'),
  departmentUnknown: () => new AppError(404, 'DEPARTMENT_NOT_FOUND', '部门不存在', 'Department not found', 'body/departmentId'),
  sameDepartment: () => errors.conflict('INQUIRY_SAME_DEPARTMENT', '该部门已退回此工单，请改派其他部门', 'That department returned this inquiry; dispatch it elsewhere', 'body/departmentId'),
  notYours: () => new AppError(403, 'INQUIRY_NOT_YOURS', '只有诉求人可以确认和评价', 'Only the person who filed the inquiry can confirm and rate it'),
  knowledgeSource: () => errors.conflict('KNOWLEDGE_SOURCE_INVALID', '只有本部门已答复的咨询可以整理为知识库问答', 'Only consultations your department has answered can become knowledge entries', 'body/inquiryId'),
  knowledgeNotFound: () => errors.notFound('Knowledge entry', '知识库条目'),
  noDepartment: () => new AppError(403, 'NO_DEPARTMENT', '您的账号不属于任何部门', 'Your account belongs to no department'),
};

export const STATE_LABELS: Record<string, { zh: string; en: string }> = {
  pending_dispatch: { zh: '待派单', en: 'awaiting dispatch' },
  dispatched: { zh: '已派单', en: 'dispatched' },
  responded: { zh: '办理中', en: 'in progress' },
  replied: { zh: '已答复', en: 'answered' },
  closed: { zh: '已办结', en: 'closed' },
};
const ACTION_ZH: Record<string, string> = { dispatch: '派单', return: '退单', respond: '签收响应', reply: '答复', confirm: '确认评价', escalate: '督办' };
