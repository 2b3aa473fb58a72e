import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart, { type MultipartFile } from '@fastify/multipart';
import { OFFICER_ROLES, type Role } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import { filesErrors } from './files.errors';
import type { FileService } from './files.service';
import * as S from './files.schemas';

/** Those who apply: they upload materials and read their own. */
const APPLICANTS: Role[] = ['citizen', 'enterprise', 'agent'];
/** Uploaders: applicants, and window clerks scanning the paper materials at the counter (窗口收件). */
const UPLOADERS: Role[] = [...APPLICANTS, 'window_clerk'];
/** Officers may read a file only when a rule of the applications module grants it (see files.policy.ts). */
const READERS: Role[] = [...APPLICANTS, ...OFFICER_ROLES];
/** Room for the multipart envelope around the file itself. */
const ENVELOPE_BYTES = 64 * 1024;

/** RFC 6266 / RFC 8187: an ASCII fallback and the exact UTF-8 name. */
function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Reads the single file part of an upload, mapping the parser's failures to our problems. */
async function readUpload(req: FastifyRequest, maxBytes: number): Promise<{ filename: string; contentType: string; data: Buffer }> {
  if (!req.isMultipart()) throw filesErrors.notMultipart();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + ENVELOPE_BYTES) throw filesErrors.tooLarge(maxBytes);
  let part: MultipartFile | undefined;
  try {
    part = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 100 } });
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw filesErrors.missing();
    }
    const data = await part.toBuffer();
    return { filename: part.filename ?? '', contentType: part.mimetype ?? '', data };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw filesErrors.tooLarge(maxBytes);
    throw filesErrors.malformed(code ?? (err as Error).message ?? 'unreadable');
  }
}

export function fileRoutes(svc: FileService) {
  return async function routes(app: FastifyInstance) {
    // Multipart only here: this scope is the one place that accepts uploads.
    await app.register(multipart, { limits: { fileSize: svc.maxBytes, files: 1, parts: 12 } });
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['files'];

    r.post('/files', {
      bodyLimit: svc.maxBytes + ENVELOPE_BYTES,
      schema: {
        tags,
        summary: 'Upload a material (PDF, JPEG, PNG or OFD) as multipart/form-data, field "file" (上传材料)',
        consumes: ['multipart/form-data'],
        response: { 201: S.FileSchema },
      },
      config: { access: UPLOADERS },
    }, async (req, reply) => {
      const upload = await readUpload(req, svc.maxBytes);
      return reply.code(201).send(await svc.upload(req.ctx, upload));
    });

    r.get('/files', {
      schema: { tags, summary: 'My uploaded materials, newest first', querystring: S.FileListQuery, response: { 200: S.FileListResponse } },
      config: { access: UPLOADERS },
    }, async (req) => svc.listOwn(req.ctx.actor!, req.query));

    r.get('/files/:id', {
      schema: { tags, summary: 'Download a material (its uploader; the applicant and the officers of the departments handling an application that cites it)', params: S.IdParams, querystring: S.DownloadQuery },
      config: { access: READERS },
    }, async (req, reply) => {
      const { file, data } = await svc.download(req.ctx.actor!, req.params.id);
      return reply
        .header('content-type', file.mediaType)
        .header('content-disposition', contentDisposition(req.query.disposition, file.originalName))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "sandbox; default-src 'none'")
        .header('cache-control', 'private, no-store')
        .header('etag', `"${file.sha256}"`)
        .send(data);
    });
  };
}
