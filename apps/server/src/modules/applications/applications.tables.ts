/** Table types this module added after its first migration (declaration merging with db/types). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface ApplicationNotifiedTable {
  key: string;
  application_id: string | null;
  notified_at: Generated<Date>;
}

export interface ApplicationFileGrantsTable {
  file_id: string;
  application_id: string;
  department_id: string;
}

export interface ApplicationProcessesTable {
  item_id: string;
  process: JSONColumnType<Record<string, unknown>>;
  bpmn: string | null;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

declare module '../../db/types' {
  interface ApplicationsTable {
    /** Each material of the item: handed in (file ids) or 免提交 with its evidence. */
    materials: JSONColumnType<Record<string, unknown>[] | null, string | null | undefined, string | null>;
    materials_total: Generated<number>;
    materials_exempt: Generated<number>;
    materials_elicence: Generated<number>;
    /** The last official calendar year when the due dates were computed (null: before provisional years). */
    calendar_basis: ColumnType<number | null, number | null | undefined, number | null>;
    /** 'online' (portal) or 'window' (registered by a window clerk on the person's behalf). */
    channel: ColumnType<'online' | 'window', 'online' | 'window' | undefined, 'online' | 'window'>;
  }
  interface Database {
    application_notified: ApplicationNotifiedTable;
    application_file_grants: ApplicationFileGrantsTable;
    application_processes: ApplicationProcessesTable;
  }
}
