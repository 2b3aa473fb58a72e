import { Type } from '@sinclair/typebox';

export const FileSchema = Type.Object({
  id: Type.String(),
  sha256: Type.String({ description: 'SHA-256 of the content, lowercase hex' }),
  size: Type.Integer({ description: 'bytes' }),
  mediaType: Type.Union([Type.Literal('application/pdf'), Type.Literal('image/jpeg'), Type.Literal('image/png'), Type.Literal('application/ofd')]),
  originalName: Type.String(),
  createdAt: Type.String(),
});

export const FileListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
  },
  { additionalProperties: false },
);
export const FileListResponse = Type.Object({ items: Type.Array(FileSchema), total: Type.Integer() });

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const DownloadQuery = Type.Object(
  { disposition: Type.Union([Type.Literal('attachment'), Type.Literal('inline')], { default: 'attachment', description: 'inline to preview in the browser' }) },
  { additionalProperties: false },
);
