/** Table types of the resources module (declaration-merged into the one Kysely Database). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** One field (数据项) of a resource. */
export interface ResourceField {
  /** Machine name: the key in each row's data. */
  name: string;
  /** Chinese label (数据项名称). */
  label: string;
  labelEn?: string;
  type: FieldType;
  /** Personal information (个人信息): never opened, shown masked, counted in 我的数据使用记录. */
  personal: boolean;
  /** Sensitive personal information (敏感个人信息, PIPL art. 28): shared only with a stated legal basis. */
  sensitive: boolean;
}

export const SHARING_CLASSES = ['unconditional', 'conditional', 'none'] as const; // 无条件共享 / 有条件共享 / 不予共享
export const OPEN_CLASSES = ['unconditional', 'conditional', 'none'] as const; // 无条件开放 / 有条件开放 / 不予开放
export const SUBJECT_KINDS = ['person', 'enterprise', 'none'] as const;
export const UPDATE_FREQUENCIES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'] as const;
export type SharingClass = (typeof SHARING_CLASSES)[number];
export type OpenClass = (typeof OPEN_CLASSES)[number];
export type SubjectKind = (typeof SUBJECT_KINDS)[number];
export type UpdateFrequency = (typeof UPDATE_FREQUENCIES)[number];

export interface DataResourcesTable {
  id: string;
  code: string;
  name: string;
  description: Generated<string>;
  provider_department_id: string;
  region_code: string;
  subject_kind: SubjectKind;
  key_field: string;
  fields: JSONColumnType<ResourceField[]>;
  sharing_class: SharingClass;
  open_class: OpenClass;
  update_frequency: UpdateFrequency;
  legal_basis: Generated<string>;
  tags: JSONColumnType<string[]>;
  status: Generated<'active' | 'retired'>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ResourceRowsTable {
  resource_id: string;
  row_key: string;
  /** Keyed hash (FieldCrypto.lookupHash) of the subject's ID number or credit code; null for non-personal rows. */
  subject_key: string | null;
  region_code: string | null;
  data: JSONColumnType<Record<string, unknown>>;
  seq: Generated<number>;
  updated_at: Timestamp;
}

/** Expression indexes `(<field>, row_key)` on a resource's partition of resource_rows (built by a job). */
export interface ResourceRowIndexesTable {
  resource_id: string;
  field: string;
  /** btree: (<field expr>, row_key); text: GIN on yiwang_text_grams(<field>) for `q`; pair: (<a expr>, <b expr>, row_key), field "a+b". */
  kind: Generated<'btree' | 'text' | 'pair'>;
  index_name: string;
  state: Generated<'pending' | 'ready' | 'failed'>;
  error: string | null;
  requested_at: Generated<Date>;
  ready_at: Date | null;
}

declare module '../../db/types' {
  interface Database {
    data_resources: DataResourcesTable;
    resource_rows: ResourceRowsTable;
    resource_row_indexes: ResourceRowIndexesTable;
  }
}
