/**
 * Transparency module (透明日志): an RFC 6962-style append-only Merkle tree log of decisions,
 * licence issuance, grants and data calls, with signed tree heads, inclusion and consistency
 * proofs, and an offline verifier (verify-cli.ts). Owns the tlog_* tables and the node_meta key
 * 'transparency.signing_key'. Design: README.md beside this file.
 *
 * Other modules call `appendToLog(trx, entry)` (or `appendManyToLog(trx, entries)` for a batch, one
 * insert) inside their own transaction; nothing else.
 */
export { appendToLog, appendManyToLog, prepareLogEntries, TransparencyLog, type InclusionProof, type ConsistencyProof } from './transparency.service';
export { transparencyRoutes } from './transparency.routes';
export { canonicalJson, type LogEntry, type LogEntryInput } from './entry';
export { DUMP_FORMAT, type SignedTreeHead } from './sth';
export { BatchSigner, inSignedBatch, type BatchProof } from './batch-signer';
