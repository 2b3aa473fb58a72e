import { AppError } from '../../shared/errors';

export const transparencyErrors = {
  leafNotFound: (field: string) => new AppError(404, 'TLOG_LEAF_NOT_FOUND', '日志中没有该条目', 'No such entry in the log', field),
  treeTooLarge: (field: string, latest: number) =>
    new AppError(400, 'TLOG_TREE_SIZE_UNKNOWN', `树大小超过最新签名树头（${latest}）`, `The tree size is beyond the latest signed tree head (${latest})`, field, { latestTreeSize: latest }),
  leafOutsideTree: () => new AppError(400, 'TLOG_LEAF_OUTSIDE_TREE', '该条目不在此树大小之内', 'The entry is not within this tree size', 'querystring/treeSize'),
  oneOfIndexOrHash: () =>
    new AppError(400, 'TLOG_PROOF_TARGET', '请提供 leafIndex 或 leafHash 之一', 'Give exactly one of leafIndex and leafHash', 'querystring/leafIndex'),
  badLeafHash: () => new AppError(400, 'TLOG_LEAF_HASH_INVALID', '叶哈希须为 32 字节的 base64 或十六进制', 'The leaf hash must be 32 bytes in base64 or hex', 'querystring/leafHash'),
  badRange: () => new AppError(400, 'TLOG_CONSISTENCY_RANGE', '须满足 first ≤ second', 'first must not exceed second', 'querystring/first'),
};
