import { AppError } from '../../shared/errors';

export const paymentErrors = {
  orderNotFound: (field = 'params/id') => new AppError(404, 'PAYMENT_ORDER_NOT_FOUND', '支付订单不存在', 'Payment order not found', field),
  amountInvalid: (field: string) =>
    new AppError(400, 'PAYMENT_AMOUNT_INVALID', '金额必须是大于零的整数（单位：分）', 'The amount must be a positive whole number of fen', field),
  amountTooLarge: (field: string) => new AppError(400, 'PAYMENT_AMOUNT_TOO_LARGE', '金额超出允许范围', 'The amount is too large', field),
  currencyUnsupported: (field = 'body/currency') =>
    new AppError(400, 'PAYMENT_CURRENCY_UNSUPPORTED', '仅支持人民币（CNY）', 'Only Chinese yuan (CNY) is supported', field),
  noItems: () => new AppError(400, 'PAYMENT_ITEMS_REQUIRED', '至少需要一项收费项目', 'At least one fee item is required', 'body/items'),
  departmentUnknown: () => new AppError(400, 'DEPARTMENT_UNKNOWN', '部门不存在', 'Unknown department', 'body/departmentId'),
  openOrderExists: (orderId: string) =>
    new AppError(409, 'PAYMENT_OPEN_ORDER_EXISTS', '该事项已有未完成的支付订单', 'This subject already has an unfinished payment order', 'body/subjectId', { orderId }),
  notPayable: (state: string) =>
    new AppError(409, 'PAYMENT_NOT_PAYABLE', `订单当前状态（${state}）不能支付`, `The order cannot be paid in its current state (${state})`, undefined, { state }),
  expired: () => new AppError(409, 'PAYMENT_ORDER_EXPIRED', '支付订单已过期', 'The payment order has expired'),
  notCancellable: (state: string) =>
    new AppError(409, 'PAYMENT_NOT_CANCELLABLE', `订单当前状态（${state}）不能取消`, `The order cannot be cancelled in its current state (${state})`, undefined, { state }),
  notRefundable: (state: string) =>
    new AppError(409, 'PAYMENT_NOT_REFUNDABLE', `订单当前状态（${state}）不能退款`, `The order cannot be refunded in its current state (${state})`, undefined, { state }),
  refundExceeds: (availableFen: number) =>
    new AppError(400, 'PAYMENT_REFUND_EXCEEDS', `退款金额超过可退金额（${availableFen} 分）`, `The refund exceeds the refundable amount (${availableFen} fen)`, 'body/amountFen', {
      availableFen,
    }),
  noDepartment: () => new AppError(403, 'FORBIDDEN', '您的账户不属于任何部门', 'Your account belongs to no department'),
  providerUnavailable: () => new AppError(502, 'PAYMENT_PROVIDER_UNAVAILABLE', '支付渠道暂时无法访问，请稍后再试', 'The payment provider cannot be reached; please try again later'),
  unknownProvider: () => new AppError(404, 'PAYMENT_PROVIDER_UNKNOWN', '未知的支付渠道', 'Unknown payment provider', 'params/provider'),
  signatureInvalid: () =>
    new AppError(400, 'PAYMENT_SIGNATURE_INVALID', '支付通知签名无效，已拒绝', 'The payment notification has an invalid signature and was refused', 'body/sign'),
  notificationMalformed: (why: string) => new AppError(400, 'PAYMENT_NOTIFICATION_MALFORMED', `支付通知格式不正确：${why}`, `The payment notification is malformed: ${why}`, 'body'),
  notificationUnknownOrder: () =>
    new AppError(404, 'PAYMENT_ORDER_NOT_FOUND', '支付通知所指的订单不存在', 'The notification names an unknown order', 'body/out_trade_no'),
  notificationMismatch: () =>
    new AppError(409, 'PAYMENT_NOTIFICATION_MISMATCH', '支付通知的金额或币种与订单不符', 'The notification does not match the order (amount or currency)', 'body/total_fen'),
  dateInvalid: () => new AppError(400, 'DATE_INVALID', '日期无效', 'Invalid date', 'querystring/date'),
};
