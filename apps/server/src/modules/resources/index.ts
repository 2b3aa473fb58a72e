/**
 * Resources module: the data resource catalog (政务信息资源目录) and the providers' rows.
 * Owns data_resources, resource_rows (partitioned by resource) and resource_row_indexes. Design and the rows' access paths: README.md.
 *
 * For other modules (exchange, open data): `ResourcesService` —
 *   metadata:  get(idOrCode), getRow(db, idOrCode), byName(db, name), list(query), present(row)
 *   rows:      rowBySubject(db, resourceId, idNumberOrCreditCode), rowsBySubjectKey(db, resourceId, key),
 *              pageRows(db, resource, { after, limit, filters, fields })   — keyset, row-key order
 *              changesSince(db, resourceId, { afterSeq, regionCode, limit }) — change feed (数据回流)
 *              upsertRows(trx, resource, rows), countRows(db, resourceId)
 *              searchRows(db, resourceId, columns, query) — filters, q, sort, keyset, estimated totals
 *              allRows(db, resourceId, columns) — downloads
 *              requestRowIndexes(trx, resourceId, fields) + buildRowIndexes(resourceId) — per-resource
 *              expression indexes for filterable / sortable fields (resource_rows is partitioned by resource)
 *   subjects:  subjectKey(idNumberOrCreditCode) — the keyed hash rows and data uses are found by
 */
import './resources.types';
export { ResourcesService, normalizeSubject, type DataResource, type ResourceRow, type ResourceInput, type ProviderRow, type PageRowsQuery, type RowInput, type ResourceListQuery } from './resources.service';
export { resourcesRoutes } from './resources.routes';
export { seedDemoResources, DEMO_RESOURCES } from './resources.demo';
export { resourceErrors } from './resources.errors';
export { RowQueryError, partitionName, rowIndexName, rowPageStatement, type RowIndexKind, DEFAULT_ESTIMATION_THRESHOLD, type RowQuery, type RowQueryResult, type SourceColumn, type RowSource, type ColumnType } from './resources.rows';
export type { ResourceField, FieldType, SharingClass, OpenClass, SubjectKind, UpdateFrequency, DataResourcesTable, ResourceRowsTable } from './resources.types';
