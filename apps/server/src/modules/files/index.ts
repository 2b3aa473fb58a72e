/**
 * Files module (materials storage): owns the `files` table and the blob store under
 * DATA_DIR/files. Uploads (PDF, JPEG, PNG, OFD) are checked by content, size-limited, scanned,
 * and stored content-addressed by SHA-256: one blob per distinct content, one record per upload.
 *
 * Publishes the routes, `FileService` (on `app.services.files`) with `canRead(actor, fileId)` and
 * `policy.allowRead(rule)` — the hook through which the applications module lets the officers
 * handling an application read its materials — and `filesByIds(db, ids)` for other modules to
 * check, inside their own transaction, that cited files exist and whose they are.
 */
import type { FastifyBaseLogger } from 'fastify';
import { join } from 'node:path';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { JobRunner } from '../jobs';
import { filesRepo } from './files.repository';
import { selectScanner, type VirusScanner } from './files.scan';
import { FileService, presentFile, SWEEP_QUEUE, type FileView } from './files.service';
import { DiskBlobStore, type BlobStore } from './files.storage';

export { FileService, presentFile, cleanName, ORPHAN_GRACE_MS, SWEEP_QUEUE, type FileView, type Upload } from './files.service';
export { fileRoutes } from './files.routes';
export { FilePolicy, type FileReadRule, type FileRecord } from './files.policy';
export { DiskBlobStore, type BlobStore, type StoredBlob } from './files.storage';
export { EICAR, EicarScanner, NoopScanner, selectScanner, type ScanResult, type VirusScanner } from './files.scan';
export { detect, KINDS, type MediaType } from './files.content';

/** Metadata of files by id (for other modules, inside their transaction): check existence and owner. */
export async function filesByIds(db: Db, ids: string[]): Promise<(FileView & { ownerId: string })[]> {
  return (await filesRepo.byIds(db, ids)).map((f) => ({ ...presentFile(f), ownerId: f.owner_id }));
}

export interface FilesOptions {
  db: Db;
  config: Config;
  jobs: JobRunner;
  log: FastifyBaseLogger;
  /** Instead of the disk store under DATA_DIR/files (e.g. an S3-compatible store). */
  store?: BlobStore;
  /** Instead of the scanner the configuration names. */
  scanner?: VirusScanner;
}

/** The service, with the orphan-blob sweep registered on the job runner and scheduled. */
export async function createFiles(opts: FilesOptions): Promise<FileService> {
  const svc = new FileService({
    db: opts.db,
    store: opts.store ?? new DiskBlobStore(join(opts.config.DATA_DIR, 'files')),
    scanner: opts.scanner ?? selectScanner(opts.config.FILES_VIRUS_SCANNER),
    maxBytes: opts.config.FILES_MAX_BYTES,
    log: opts.log,
  });
  const hours = opts.config.FILES_SWEEP_HOURS;
  opts.jobs.handle(SWEEP_QUEUE, () => svc.sweepJob(hours));
  await svc.scheduleSweep(hours);
  return svc;
}
