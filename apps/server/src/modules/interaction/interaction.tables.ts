/** Row types of the module's tables (declaration merging into the one Database type). */
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string, Date | string>;
type NTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type InquiryKind = 'consultation' | 'complaint' | 'suggestion' | 'help' | 'report';
export type InquiryState = 'pending_dispatch' | 'dispatched' | 'responded' | 'replied' | 'closed';

export interface InquiriesTable {
  id: string;
  number: string;
  kind: InquiryKind;
  category: string;
  urgency: 'normal' | 'urgent';
  title: string;
  content: string;
  region_code: string;
  lat: number | null;
  lng: number | null;
  address: string | null;
  attachments: ColumnType<string[], string | undefined, string>;
  item_id: string | null;
  channel: 'web' | 'mobile' | '12345' | 'open311';
  service_code: string | null;
  person_id: string | null;
  anonymous: Generated<boolean>;
  informant_enc: string | null;
  tracking_hash: string | null;
  state: InquiryState;
  department_id: string | null;
  returns: Generated<number>;
  dispatched_at: NTs;
  respond_due: NTs;
  resolve_due: NTs;
  responded_at: NTs;
  responded_late: boolean | null;
  replied_at: NTs;
  replied_late: boolean | null;
  reply: string | null;
  resolved: boolean | null;
  satisfaction: number | null;
  rating_comment: string | null;
  confirmed_at: NTs;
  escalated_at: NTs;
  closed_at: NTs;
  version: Generated<number>;
  created_at: Ts;
  updated_at: Ts;
}

export interface InquiryEventsTable {
  id: Generated<string>;
  inquiry_id: string;
  type: string;
  visibility: 'public' | 'internal';
  actor_name: string | null;
  department_id: string | null;
  note: string | null;
  at: Ts;
}

export interface InquiryDispatchRulesTable {
  id: string;
  category: string;
  region_prefix: string;
  department_id: string;
  created_at: Generated<Date>;
}

export interface InquiryDeadlinesTable {
  region_code: string;
  urgency: 'normal' | 'urgent';
  respond_hours: number;
  resolve_days: number;
  updated_at: Generated<Date>;
}

export interface RegionBoundsTable {
  region_code: string;
  min_lat: number;
  max_lat: number;
  min_lng: number;
  max_lng: number;
}

export interface KnowledgeEntriesTable {
  id: string;
  inquiry_id: string | null;
  question: string;
  answer: string;
  item_id: string | null;
  item_name: string | null;
  department_id: string;
  region_code: string;
  published: Generated<boolean>;
  curated_by: string;
  views: Generated<number>;
  created_at: Ts;
  updated_at: Ts;
}

export interface Open311KeysTable {
  key_hash: string;
  name: string;
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: NTs;
}

declare module '../../db/types' {
  interface Database {
    inquiries: InquiriesTable;
    inquiry_events: InquiryEventsTable;
    inquiry_dispatch_rules: InquiryDispatchRulesTable;
    inquiry_deadlines: InquiryDeadlinesTable;
    region_bounds: RegionBoundsTable;
    knowledge_entries: KnowledgeEntriesTable;
    open311_keys: Open311KeysTable;
  }
}
