/**
 * Batch-signed statements: instead of one signature per answer, the answers that are ready in the
 * same turn of the event loop (under load, a group commit's worth) become the leaves of an
 * RFC 6962 Merkle tree, the tree head { root, size } is signed once, and every answer carries the
 * one signature plus its inclusion path. A consumer checks an answer on its own:
 *
 *   leaf = SHA-256(0x00 || answer bytes); root' = the path folded over leaf (RFC 9162 §2.1.3.2);
 *   root' = the signed head's root, and the head's signature verifies with the published key.
 *
 * The answer is bound exactly as by a signature of its own (changing a byte changes the leaf, and
 * a second preimage of SHA-256 would be needed to keep the root), and a path reveals only hashes
 * of the other answers of the batch. One Ed25519 signature costs ~50–150 µs of a core; a batch of
 * n answers costs one signature plus ~2n hashes.
 */
import { leafHash, rootAndInclusionProofs, rootFromInclusionProof } from './merkle';

export interface BatchProof {
  /** The answer's position in its batch and the batch's size. */
  index: number;
  size: number;
  /** The inclusion path, base64url hashes, leaf to root. */
  path: string[];
}

interface Waiting {
  leaf: Buffer;
  resolve: (r: { signature: string; proof: BatchProof }) => void;
  reject: (err: unknown) => void;
}

export class BatchSigner {
  private queue: Waiting[] = [];
  private scheduled = false;
  /** Batches signed and statements in them (for benchmarks). */
  readonly stats = { batches: 0, statements: 0 };

  /** `signHead` signs the tree head (root, size) and returns the token every answer of the batch carries. */
  constructor(
    private readonly signHead: (head: { root: string; size: number }) => string | Promise<string>,
    private readonly maxBatch = 4096,
  ) {}

  /** Queues `bytes` (the exact bytes the consumer will hash) for the next batch signature. */
  sign(bytes: Uint8Array): Promise<{ signature: string; proof: BatchProof }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ leaf: leafHash(bytes), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const { root, proofs } = rootAndInclusionProofs(batch.map((w) => w.leaf));
        const signature = await this.signHead({ root: root.toString('base64url'), size: batch.length });
        // A node's text once, however many paths it is in.
        const text = new Map<Buffer, string>();
        const b64 = (h: Buffer) => text.get(h) ?? (text.set(h, h.toString('base64url')), text.get(h)!);
        for (let i = 0; i < batch.length; i++) batch[i].resolve({ signature, proof: { index: i, size: batch.length, path: proofs[i].map(b64) } });
        this.stats.batches++;
        this.stats.statements += batch.length;
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }
}

/**
 * Whether `bytes` with `proof` belong to the batch whose signed head is `head` (the caller has
 * verified the head's signature): same size, and the inclusion path leads to the head's root.
 */
export function inSignedBatch(bytes: Uint8Array, proof: BatchProof, head: { root?: unknown; size?: unknown }): boolean {
  if (!proof || !Array.isArray(proof.path) || !Number.isInteger(proof.index) || proof.size !== head.size || typeof head.root !== 'string') return false;
  const root = rootFromInclusionProof(proof.index, proof.size, leafHash(bytes), proof.path.map((p) => Buffer.from(String(p), 'base64url')));
  return root !== null && root.toString('base64url') === head.root;
}
