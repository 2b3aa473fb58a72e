/** Table types of the open data module (declaration-merged into the one Kysely Database). Most SQL is in opendata.repository.ts. */
import type { Generated } from 'kysely';

export interface OpendataDatasetsTable {
  id: string;
  name: string;
  resource_id: string | null;
  department_id: string;
  status: Generated<'published' | 'withdrawn'>;
  title: string;
  modified_at: Generated<Date>;
}
export interface OpendataStatsTable {
  day: string;
  dataset_id: string;
  department_id: string;
  views: Generated<number>;
  downloads: Generated<number>;
  api_calls: Generated<number>;
}

declare module '../../db/types' {
  interface Database {
    opendata_datasets: OpendataDatasetsTable;
    opendata_stats: OpendataStatsTable;
  }
}
