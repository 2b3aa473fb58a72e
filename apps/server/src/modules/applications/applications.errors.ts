/** Stable error codes of the applications module (problem+json `code`), Chinese and English. */
import { AppError, errors } from '../../shared/errors';

export const appErrors = {
  notFound: () => errors.notFound('Application', '办件'),
  taskNotFound: () => errors.notFound('Task', '办理任务'),
  itemNotFound: (field: string) => new AppError(404, 'ITEM_NOT_FOUND', '事项不存在或尚未发布', 'The service item does not exist or is not published', field),
  bundleNotFound: (field: string) => new AppError(404, 'BUNDLE_NOT_FOUND', '一件事不存在或尚未发布', 'The bundle does not exist or is not published', field),
  oneTarget: () => errors.invalid('APPLICATION_TARGET_INVALID', 'body/itemId', '请指定一个事项（itemId）或一个一件事（bundleId），且只能指定一个', 'Name one item (itemId) or one bundle (bundleId), not both'),
  versionRetired: (field: string, latest: number | null, retired: boolean) =>
    new AppError(
      409,
      'ITEM_VERSION_RETIRED',
      retired ? '该事项已废止，不能再提交申请' : `该事项的办事指南已更新（最新为第 ${latest} 版），请按最新版本重新填写后提交`,
      retired ? 'The service item has been retired; applications are no longer accepted' : `The service guide has changed (latest version ${latest}); fill in the latest version and submit again`,
      field,
      { latestVersion: latest, retired },
    ),
  applicantKind: (needs: string) =>
    new AppError(403, 'APPLICANT_KIND_NOT_SERVED', `该事项的服务对象为${needs}，请切换办事身份后申请`, `This service is for ${needs === '法人' ? 'legal persons' : 'natural persons'}; switch who you act as`),
  formInvalid: (list: { field: string; zh: string; en: string }[]) =>
    new AppError(400, 'FORM_INVALID', `申请表填写有误：${list[0].field} ${list[0].zh}`, `The application form is invalid: ${list[0].field} ${list[0].en}`, list[0].field, { errors: list }),
  notDraft: () => errors.conflict('APPLICATION_NOT_DRAFT', '只有草稿可以修改或删除', 'Only a draft can be changed or discarded'),
  draftStale: (current: number) =>
    new AppError(409, 'DRAFT_VERSION_CONFLICT', '草稿已在其他设备上修改，请刷新后再保存', 'The draft was changed on another device; reload it before saving', 'body/version', { currentVersion: current }),
  idempotencyKeyRequired: () =>
    errors.invalid('IDEMPOTENCY_KEY_REQUIRED', 'header/idempotency-key', '提交申请须带 Idempotency-Key 请求头（防止重复提交）', 'Submitting needs an Idempotency-Key header (so that a retry never submits twice)'),
  idempotencyKeyReused: () =>
    new AppError(422, 'IDEMPOTENCY_KEY_REUSED', '该 Idempotency-Key 已用于另一份不同的申请', 'This Idempotency-Key was already used for a different request', 'header/idempotency-key'),
  alreadySubmitted: () => errors.conflict('APPLICATION_ALREADY_SUBMITTED', '该申请已提交', 'The application was already submitted'),
  supplementField: (field: string, key: string) =>
    errors.invalid('SUPPLEMENT_ITEM_UNKNOWN', field, `补正清单中的「${key}」不是本事项的表单字段或申请材料`, `"${key}" in the supplement list is neither a form field nor a material of this item`),
  // officers
  otherDepartment: () => new AppError(403, 'TASK_OTHER_DEPARTMENT', '该任务属于其他部门，您无权办理', 'This task belongs to another department'),
  roleMismatch: (role: string) => new AppError(403, 'TASK_ROLE_MISMATCH', `该任务须由「${roleLabel(role).zh}」岗位办理`, `This task is for the ${roleLabel(role).en} role`),
  taskState: (state: string) =>
    new AppError(409, 'TASK_STATE_CONFLICT', `任务当前为「${taskStateLabel(state).zh}」，不能办理`, `The task is ${taskStateLabel(state).en}; it cannot be acted on`, undefined, { state }),
  claimedByOther: (name: string | null) =>
    new AppError(409, 'TASK_CLAIMED_BY_OTHER', `该任务已由${name ?? '其他工作人员'}签收`, `The task was claimed by ${name ?? 'another officer'}`),
  notClaimedByYou: () => errors.conflict('TASK_NOT_CLAIMED', '您尚未签收该任务', 'You have not claimed this task'),
  wrongAction: (action: string) =>
    new AppError(409, 'TASK_ACTION_INVALID', `「${actionLabel(action).zh}」环节不能执行此操作`, `This cannot be done in a ${actionLabel(action).en.toLowerCase()} step`, undefined, { stepAction: action }),
  awaitingApplicant: () => errors.conflict('APPLICATION_AWAITING_APPLICANT', '办件正等待申请人补正，补正后方可继续办理', 'The application awaits the applicant\'s supplement'),
  intakeIdNumberInvalid: () => errors.invalid('ID_NUMBER_INVALID', 'body/idNumber', '身份证号码无效（GB 11643 校验不通过）', 'Invalid resident ID number (GB 11643)'),
  intakePersonNotFound: () =>
    new AppError(404, 'PERSON_NOT_FOUND', '该身份证号码尚无本平台账户，请申请人先完成实名注册', 'No account is registered for this ID number; the person must register first', 'body/idNumber'),
  intakeNameMismatch: () => new AppError(422, 'IDENTITY_MISMATCH', '姓名与身份证号码登记的信息不一致', 'The name does not match the one registered for this ID number', 'body/name'),
  intakeUnavailable: () => new AppError(503, 'INTAKE_NOT_AVAILABLE', '窗口收件暂不可用（身份核验服务未接入）', 'Window intake is not available (no identity directory)'),
  supplementOverdue: (replyBy: string) =>
    new AppError(409, 'SUPPLEMENT_REPLY_OVERDUE', `补正期限（${replyBy}）已过，不能再补正`, `The reply-by date (${replyBy}) has passed; the supplement can no longer be made`, undefined, { replyBy }),
  awaitingPayment: () => errors.conflict('APPLICATION_AWAITING_PAYMENT', '办件正等待缴费', 'The application awaits payment'),
  paused: () => errors.conflict('APPLICATION_IN_SPECIAL_PROCEDURE', '办件处于特别程序中，请先结束特别程序', 'The application is in a special procedure; end it first'),
  objections: () =>
    new AppError(409, 'REVIEW_OBJECTIONS', '审查（会签）环节有部门不同意，不能作出准予决定', 'A review (countersign) step did not agree; the application cannot be approved'),
  resultFieldsMissing: (fields: string[]) =>
    new AppError(400, 'RESULT_FIELDS_MISSING', `准予决定须填写后续事项所需的办理结果：${fields.join('、')}`, `The approval must give the result the dependent items need: ${fields.join(', ')}`, `body/result/${fields[0]}`, { fields }),
  unknownSpecialProcedure: () =>
    errors.invalid('SPECIAL_PROCEDURE_UNKNOWN', 'body/name', '该事项的办事指南未载明此特别程序', 'The service guide names no such special procedure'),
  paymentNotAvailable: () => new AppError(503, 'PAYMENT_NOT_AVAILABLE', '统一支付暂不可用', 'Unified payment is not available'),
  notAwaitingPayment: () => errors.conflict('APPLICATION_NOT_AWAITING_PAYMENT', '该办件当前无需缴费', 'The application is not awaiting payment'),
  paymentOrderOpen: (orderId: string) =>
    new AppError(409, 'PAYMENT_ORDER_STILL_OPEN', '该办件的缴费订单仍然有效，请直接支付', 'The payment order of this application is still open; pay it', undefined, { orderId }),
  mandateScope: (what: string) =>
    new AppError(403, 'MANDATE_SCOPE', `委托书的代办范围不包括「${what}」，请委托人补充授权`, `The mandate does not cover "${what}"; the principal must extend it`),
  mandateInvalid: () => new AppError(403, 'MANDATE_INVALID', '委托已撤销或不在有效期内', 'The mandate is revoked or not in force'),
  noReceipt: () => errors.conflict('RECEIPT_NOT_YET', '该办件尚未出具回执', 'The application has no receipt yet'),
  reasonRequired: () => errors.invalid('REASON_REQUIRED', 'body/reason', '请填写说明', 'An explanation is required'),
};

const ROLE_LABELS: Record<string, { zh: string; en: string }> = {
  window_clerk: { zh: '窗口受理', en: 'window clerk' },
  reviewer: { zh: '审查', en: 'reviewer' },
  decider: { zh: '决定', en: 'decider' },
};
export const roleLabel = (r: string) => ROLE_LABELS[r] ?? { zh: r, en: r };

const TASK_STATE_LABELS: Record<string, { zh: string; en: string }> = {
  waiting: { zh: '待前序环节完成', en: 'waiting for an earlier signer' },
  open: { zh: '待办', en: 'open' },
  completed: { zh: '已办', en: 'completed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
};
export const taskStateLabel = (s: string) => TASK_STATE_LABELS[s] ?? { zh: s, en: s };

const ACTION_LABELS: Record<string, { zh: string; en: string }> = {
  accept: { zh: '受理', en: 'Acceptance' },
  review: { zh: '审查', en: 'Review' },
  decide: { zh: '决定', en: 'Decision' },
  deliver: { zh: '办结送达', en: 'Delivery' },
};
export const actionLabel = (a: string) => ACTION_LABELS[a] ?? { zh: a, en: a };
