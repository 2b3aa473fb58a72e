/**
 * Materials storage: checks an upload (size, type by content, agreement with the declared name
 * and content type, virus scan), writes the blob content-addressed, then commits the metadata
 * with its audit entry. The blob is written before the transaction: a crash in between leaves at
 * most an orphan blob, which the sweep (`sweepOrphanBlobs`, queue 'files.sweep') deletes once
 * it is older than the grace period — never a record without its bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database';
import type { FilesTable } from '../../db/types';
import { recordAudit } from '../../plugins/audit';
import { subjectOf, type Actor, type RequestContext } from '../../shared/actor';
import { enqueue } from '../jobs';
import { detect, extensionOf, isGenericContentType, kindByContentType, kindByExtension, kindOf, KINDS } from './files.content';
import { filesErrors } from './files.errors';
import { FilePolicy, type FileRecord } from './files.policy';
import { filesRepo } from './files.repository';
import type { VirusScanner } from './files.scan';
import type { BlobStore } from './files.storage';

export const SWEEP_QUEUE = 'files.sweep';
/** A blob younger than this is spared by the sweep: its upload may still be committing. */
export const ORPHAN_GRACE_MS = 3600_000;

const ACCEPTED = KINDS.map((k) => k.label).join(', ');

export function presentFile(f: Selectable<FilesTable>) {
  return {
    id: f.id,
    sha256: f.sha256,
    size: f.size,
    mediaType: f.media_type,
    originalName: f.original_name,
    createdAt: f.created_at.toISOString(),
  };
}
export type FileView = ReturnType<typeof presentFile>;

const toRecord = (f: Selectable<FilesTable>): FileRecord => ({ id: f.id, ownerId: f.owner_id, sha256: f.sha256, mediaType: f.media_type });

/** A file name as shown back: no path, no control characters, bounded length. */
export function cleanName(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (clean.length <= 200) return clean;
  const ext = extensionOf(clean);
  return ext ? `${clean.slice(0, 199 - ext.length)}.${ext}` : clean.slice(0, 200);
}

export interface Upload {
  /** The name the client gave. */
  filename: string;
  /** The content type the client declared for the part. */
  contentType: string;
  data: Buffer;
}

export interface FileServiceOptions {
  db: Db;
  store: BlobStore;
  scanner: VirusScanner;
  maxBytes: number;
  log: FastifyBaseLogger;
}

export class FileService {
  readonly policy = new FilePolicy();
  private readonly db: Db;

  constructor(private readonly opts: FileServiceOptions) {
    this.db = opts.db;
  }

  get maxBytes(): number {
    return this.opts.maxBytes;
  }
  get store(): BlobStore {
    return this.opts.store;
  }

  /** Checks an upload; throws the first problem (nothing is stored). Returns the detected media type. */
  async check(u: Upload) {
    if (u.data.length === 0) throw filesErrors.empty();
    if (u.data.length > this.opts.maxBytes) throw filesErrors.tooLarge(this.opts.maxBytes);
    const name = cleanName(u.filename);
    const byExt = kindByExtension(extensionOf(name));
    if (!byExt) throw filesErrors.unsupported(ACCEPTED);
    const declared = u.contentType.split(';')[0].trim().toLowerCase();
    const byType = isGenericContentType(declared) ? undefined : kindByContentType(declared);
    const found = detect(u.data);
    if (!found.mediaType) {
      // A ZIP without OFD.xml named .ofd is an invalid OFD; anything unrecognised named .pdf an invalid PDF.
      throw filesErrors.invalid(byExt.label, found.note);
    }
    const actual = kindOf(found.mediaType);
    if (actual !== byExt) throw filesErrors.mismatch(`${byExt.label} (.${extensionOf(name)})`, actual.label);
    if (!isGenericContentType(declared) && byType !== actual) throw filesErrors.mismatch(declared, actual.label);
    let verdict;
    try {
      verdict = await this.opts.scanner.scan(u.data, { originalName: name, mediaType: actual.mediaType });
    } catch (err) {
      this.opts.log.error({ err, scanner: this.opts.scanner.name }, 'virus scanner failed');
      throw filesErrors.scanUnavailable();
    }
    if (!verdict.clean) throw filesErrors.infected(verdict.signature);
    return { name, mediaType: actual.mediaType };
  }

  async upload(ctx: RequestContext, u: Upload): Promise<FileView> {
    const actor = ctx.actor!;
    const { name, mediaType } = await this.check(u);
    const sha256 = createHash('sha256').update(u.data).digest('hex');
    // The bytes first, then the record: a crash in between leaves an orphan blob, not a dangling record.
    await this.opts.store.put(sha256, u.data);
    const row = await this.db.transaction().execute(async (trx) => {
      const inserted = await filesRepo.insert(trx, {
        id: randomUUID(),
        sha256,
        size: u.data.length,
        media_type: mediaType,
        original_name: name,
        owner_id: subjectOf(actor),
        uploaded_by: actor.accountId,
      });
      await recordAudit(trx, ctx, { action: 'files.upload', entityType: 'file', entityId: inserted.id, detail: { sha256, size: u.data.length, mediaType, ownerId: inserted.owner_id } });
      return inserted;
    });
    return presentFile(row);
  }

  /** The policy hook: may this actor read this file? (Owner, or a rule another module added.) */
  async canRead(actor: Actor, fileId: string): Promise<boolean> {
    const f = await filesRepo.byId(this.db, fileId);
    return !!f && this.policy.canRead(actor, toRecord(f));
  }

  async listOwn(actor: Actor, q: { limit: number; offset: number }) {
    const me = subjectOf(actor);
    const rows = await filesRepo.listByOwner(this.db, me, q.limit, q.offset);
    return { items: rows.map(presentFile), total: await filesRepo.countByOwner(this.db, me) };
  }

  /** The file and its bytes, for someone the policy lets read it; "not found" for everyone else. */
  async download(actor: Actor, id: string): Promise<{ file: FileView; data: Buffer }> {
    const f = await filesRepo.byId(this.db, id);
    if (!f || !(await this.policy.canRead(actor, toRecord(f)))) throw filesErrors.notFound();
    const data = await this.opts.store.get(f.sha256);
    if (!data) {
      this.opts.log.error({ fileId: f.id, sha256: f.sha256 }, 'blob missing');
      throw filesErrors.blobMissing();
    }
    // Content addressing makes integrity a hash away: bytes altered on disk are never served.
    if (createHash('sha256').update(data).digest('hex') !== f.sha256) {
      this.opts.log.error({ fileId: f.id, sha256: f.sha256 }, 'blob failed its integrity check');
      throw filesErrors.blobCorrupt();
    }
    return { file: presentFile(f), data };
  }

  /** Deletes blobs that no record points to and that are older than the grace period. */
  async sweepOrphanBlobs(now = Date.now()): Promise<{ checked: number; deleted: number }> {
    let checked = 0;
    let deleted = 0;
    for await (const blob of this.opts.store.list()) {
      checked++;
      if (blob.modifiedAt.getTime() > now - ORPHAN_GRACE_MS) continue;
      if (await filesRepo.blobReferenced(this.db, blob.sha256)) continue;
      await this.opts.store.delete(blob.sha256);
      deleted++;
    }
    if (deleted) this.opts.log.info({ checked, deleted }, 'orphan blobs deleted');
    return { checked, deleted };
  }

  /**
   * Schedules the next sweep at the next boundary of the period. The job's dedupe key is that
   * boundary, so processes that start together, restarts, and the chain itself (each sweep
   * schedules the next) all agree on one pending sweep.
   */
  async scheduleSweep(everyHours: number): Promise<void> {
    if (everyHours <= 0) return;
    const period = everyHours * 3600_000;
    const slot = Math.floor(Date.now() / period) + 1;
    await enqueue(this.db, { queue: SWEEP_QUEUE, runAt: new Date(slot * period), dedupeKey: `slot-${slot}`, maxAttempts: 3 });
  }

  async sweepJob(everyHours: number): Promise<void> {
    await this.sweepOrphanBlobs();
    await this.scheduleSweep(everyHours);
  }
}
