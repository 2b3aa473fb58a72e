import { AppError } from '../../shared/errors';

const FIELD = 'body/file';
const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

export const filesErrors = {
  notMultipart: () =>
    new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', '请以 multipart/form-data 上传文件', 'Upload the file as multipart/form-data', 'header/content-type'),
  malformed: (why: string) => new AppError(400, 'MULTIPART_INVALID', '上传的表单数据不完整或格式错误', `The multipart form data is malformed: ${why}`, 'body'),
  missing: () => new AppError(400, 'FILE_MISSING', '请选择要上传的文件（表单字段 file）', 'No file was sent (form field "file")', FIELD),
  empty: () => new AppError(400, 'FILE_EMPTY', '文件为空', 'The file is empty', FIELD),
  tooLarge: (max: number) =>
    new AppError(413, 'FILE_TOO_LARGE', `文件过大，单个文件不得超过 ${mib(max)}`, `The file is too large; at most ${mib(max)} per file`, FIELD, { maxBytes: max }),
  unsupported: (accepted: string) =>
    new AppError(415, 'FILE_TYPE_UNSUPPORTED', `不支持的文件类型，仅接受 ${accepted}`, `Unsupported file type; accepted: ${accepted}`, FIELD),
  mismatch: (declared: string, detected: string) =>
    new AppError(400, 'FILE_TYPE_MISMATCH', `文件内容是 ${detected}，与声明的类型 ${declared} 不符`, `The content is ${detected}, not the declared ${declared}`, FIELD, {
      declared,
      detected,
    }),
  invalid: (kind: string, note?: string) =>
    new AppError(400, 'FILE_CONTENT_INVALID', `文件内容不是有效的 ${kind} 文件`, `The content is not a valid ${kind} file${note ? ` (${note})` : ''}`, FIELD),
  infected: (signature: string) =>
    new AppError(422, 'FILE_INFECTED', `文件未通过病毒检测（${signature}），已拒收`, `The file failed the virus scan (${signature}) and was refused`, FIELD, { signature }),
  scanUnavailable: () => new AppError(503, 'FILE_SCAN_UNAVAILABLE', '病毒检测服务暂不可用，请稍后重试', 'The virus scanner is unavailable; please try again later'),
  notFound: () => new AppError(404, 'NOT_FOUND', '文件不存在', 'File not found', 'params/id'),
  blobMissing: () => new AppError(500, 'FILE_BLOB_MISSING', '文件内容缺失，请联系管理员', 'The stored content of this file is missing; contact the administrator'),
  blobCorrupt: () => new AppError(500, 'FILE_BLOB_CORRUPT', '文件内容校验失败，请联系管理员', 'The stored content of this file failed its integrity check; contact the administrator'),
};
