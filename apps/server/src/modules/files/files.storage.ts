/**
 * Where the bytes of materials live: a content-addressed blob store, keyed by the SHA-256 of the
 * content (lowercase hex). Two uploads of the same document share one blob; a blob never changes
 * once written, so it can be cached and replicated freely.
 *
 * `DiskBlobStore` keeps blobs under DATA_DIR/files/ab/cd/<sha256> (two levels of fan-out keep
 * directories small). An S3-compatible store (MinIO, OSS, COS, OBS) fills the same interface:
 *   put    → PutObject to key `files/ab/cd/<sha256>` with the x-amz-checksum-sha256 header (the
 *            store verifies the bytes); when the object exists, CopyObject onto itself (or a
 *            metadata update) refreshes its last-modified time, which the orphan sweep reads;
 *   get    → GetObject; exists → HeadObject; delete → DeleteObject;
 *   list   → ListObjectsV2 under `files/` (key and LastModified).
 * Keep the bucket private (the API authorises every read) with versioning off.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredBlob {
  sha256: string;
  /** When the blob was last written or re-put (an orphan sweep spares recent ones). */
  modifiedAt: Date;
}

export interface BlobStore {
  /** Stores the bytes under their hash. Idempotent: an existing blob is kept, and its time refreshed. */
  put(sha256: string, data: Buffer): Promise<void>;
  get(sha256: string): Promise<Buffer | undefined>;
  exists(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Every blob (for the orphan sweep). */
  list(): AsyncIterable<StoredBlob>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function checkKey(sha256: string): void {
  // The key becomes a path: only a well-formed hash may.
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256 hex digest: ${sha256.slice(0, 80)}`);
}

export class DiskBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private pathOf(sha256: string): string {
    checkKey(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    const path = this.pathOf(sha256);
    if (await this.exists(sha256)) {
      const now = new Date();
      await utimes(path, now, now);
      return;
    }
    await mkdir(join(this.root, sha256.slice(0, 2), sha256.slice(2, 4)), { recursive: true });
    // Written aside, flushed, then renamed: a reader or a crash never sees half a blob.
    const tmp = `${path}.tmp-${randomUUID()}`;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async *list(): AsyncIterable<StoredBlob> {
    const dirs = async (p: string) => {
      try {
        return (await readdir(p, { withFileTypes: true })).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name)).map((d) => d.name);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    };
    for (const a of await dirs(this.root)) {
      for (const b of await dirs(join(this.root, a))) {
        const dir = join(this.root, a, b);
        for (const name of await readdir(dir)) {
          if (!SHA256_HEX.test(name)) continue; // temporary files of writes in progress
          const s = await stat(join(dir, name)).catch(() => undefined);
          if (s?.isFile()) yield { sha256: name, modifiedAt: s.mtime };
        }
      }
    }
  }
}
