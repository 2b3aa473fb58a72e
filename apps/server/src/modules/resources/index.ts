/**
 * Resources module: the data resource catalog (政务信息资源目录) and the providers' rows.
 * Owns data_resources and resource_rows. Design and the rows' access paths: README.md.
 *
 * For other modules (exchange, open data): `ResourcesService` —
 *   metadata:  get(idOrCode), getRow(db, idOrCode), byName(db, name), list(query), present(row)
 *   rows:      rowBySubject(db, resourceId, idNumberOrCreditCode), rowsBySubjectKey(db, resourceId, key),
 *              pageRows(db, resource, { after, limit, filters, fields })   — keyset, row-key order
 *              changesSince(db, resourceId, { afterSeq, regionCode, limit }) — change feed (数据回流)
 *              upsertRows(trx, resource, rows), countRows(db, resourceId)
 *   subjects:  subjectKey(idNumberOrCreditCode) — the keyed hash rows and data uses are found by
 */
import './resources.types';
export { ResourcesService, normalizeSubject, type DataResource, type ResourceRow, type ResourceInput, type ProviderRow, type PageRowsQuery, type RowInput, type ResourceListQuery } from './resources.service';
export { resourcesRoutes } from './resources.routes';
export { seedDemoResources, DEMO_RESOURCES } from './resources.demo';
export { resourceErrors } from './resources.errors';
export type { ResourceField, FieldType, SharingClass, OpenClass, SubjectKind, UpdateFrequency, DataResourcesTable, ResourceRowsTable } from './resources.types';
