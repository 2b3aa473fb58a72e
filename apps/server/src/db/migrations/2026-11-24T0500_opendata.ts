// Open data (数据开放): datasets published from the data resource catalog, their distributions
// (CSV / JSON / XLSX / API), conditional-access applications, ratings, data requests (需求征集)
// and daily usage statistics. The rows themselves stay in the provider tables; a dataset only
// records where they are (row_source). Search uses an array of character bigrams under GIN,
// filled by the application (the same technique as the service catalog).
import type { Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE opendata_datasets (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_-]{2,100}$'),
  resource_id uuid,
  department_id uuid NOT NULL REFERENCES departments(id),
  region_code text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  themes text[] NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  licence text NOT NULL,
  frequency text NOT NULL,
  temporal_start date,
  temporal_end date,
  spatial text,
  access_level text NOT NULL CHECK (access_level IN ('open','account','conditional')),
  status text NOT NULL DEFAULT 'published' CHECK (status IN ('published','withdrawn')),
  formats text[] NOT NULL DEFAULT '{}',
  columns jsonb NOT NULL DEFAULT '[]',
  row_source jsonb,
  documentation text NOT NULL DEFAULT '',
  terms text NOT NULL DEFAULT '',
  quality jsonb NOT NULL DEFAULT '{}',
  quality_score integer NOT NULL DEFAULT 0,
  rating_sum integer NOT NULL DEFAULT 0,
  rating_count integer NOT NULL DEFAULT 0,
  row_count bigint,
  data_updated_at timestamptz,
  published_by uuid,
  published_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz NOT NULL DEFAULT now(),
  search_bigrams text[] NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX opendata_datasets_resource ON opendata_datasets (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX opendata_datasets_search ON opendata_datasets USING gin (search_bigrams);
CREATE INDEX opendata_datasets_tags ON opendata_datasets USING gin (tags);
CREATE INDEX opendata_datasets_themes ON opendata_datasets USING gin (themes);
CREATE INDEX opendata_datasets_department ON opendata_datasets (department_id, modified_at DESC);
CREATE INDEX opendata_datasets_modified ON opendata_datasets (modified_at, id);
CREATE INDEX opendata_datasets_listing ON opendata_datasets (status, modified_at DESC, id);

CREATE TABLE opendata_distributions (
  id uuid PRIMARY KEY,
  dataset_id uuid NOT NULL REFERENCES opendata_datasets(id),
  format text NOT NULL CHECK (format IN ('CSV','JSON','XLSX','API')),
  position integer NOT NULL,
  UNIQUE (dataset_id, format)
);

CREATE TABLE opendata_access_grants (
  id uuid PRIMARY KEY,
  dataset_id uuid NOT NULL REFERENCES opendata_datasets(id),
  account_id uuid NOT NULL REFERENCES accounts(id),
  purpose text NOT NULL,
  terms_accepted_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
  decided_by uuid,
  decided_at timestamptz,
  reason text,
  valid_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX opendata_access_grants_open ON opendata_access_grants (dataset_id, account_id) WHERE status IN ('pending','approved');
CREATE INDEX opendata_access_grants_pending ON opendata_access_grants (status, created_at);

CREATE TABLE opendata_ratings (
  dataset_id uuid NOT NULL REFERENCES opendata_datasets(id),
  account_id uuid NOT NULL REFERENCES accounts(id),
  stars integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
  comment text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, account_id)
);

CREATE TABLE opendata_requests (
  id uuid PRIMARY KEY,
  requester_id uuid NOT NULL REFERENCES accounts(id),
  title text NOT NULL,
  description text NOT NULL,
  purpose text NOT NULL DEFAULT '',
  department_id uuid REFERENCES departments(id),
  matches jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered','closed')),
  due_at timestamptz NOT NULL,
  overdue boolean NOT NULL DEFAULT false,
  answer text,
  answer_kind text CHECK (answer_kind IN ('will_open','already_open','cannot_open','not_ours')),
  answered_by uuid,
  answered_at timestamptz,
  accepted_dataset_id uuid REFERENCES opendata_datasets(id),
  notified_dataset_ids uuid[] NOT NULL DEFAULT '{}',
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opendata_requests_requester ON opendata_requests (requester_id, created_at DESC);
CREATE INDEX opendata_requests_department ON opendata_requests (department_id, status, due_at);

CREATE TABLE opendata_stats (
  day date NOT NULL,
  dataset_id uuid NOT NULL REFERENCES opendata_datasets(id),
  department_id uuid NOT NULL,
  views integer NOT NULL DEFAULT 0,
  downloads integer NOT NULL DEFAULT 0,
  api_calls integer NOT NULL DEFAULT 0,
  PRIMARY KEY (day, dataset_id)
);
CREATE INDEX opendata_stats_department ON opendata_stats (department_id, day);
`);
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

const TEMPLATES: TemplateSeed[] = [
  {
    code: 'opendata.request_answered',
    description: '数据需求答复 — the owning department answered a data request',
    params: ['title', 'answer'],
    channels: ['email'],
    zh: ['您的数据需求已答复', '您提出的数据需求「{{title}}」已答复：{{answer}}', '您的数据需求「{{title}}」已答复，请登录查看。'],
    en: ['Your data request was answered', 'Your data request "{{title}}" was answered: {{answer}}', 'Your data request "{{title}}" was answered; sign in to read it.'],
  },
  {
    code: 'opendata.dataset_available',
    description: '数据已开放 — a dataset matching a data request was published',
    params: ['title', 'dataset'],
    channels: ['email'],
    zh: ['您需要的数据已开放', '与您的数据需求「{{title}}」相关的数据集「{{dataset}}」已在数据开放平台发布。', '您需要的数据「{{dataset}}」已开放。'],
    en: ['The data you asked for is open', 'The dataset "{{dataset}}", matching your data request "{{title}}", has been published on the open data portal.', 'The dataset "{{dataset}}" you asked for is now open.'],
  },
  {
    code: 'opendata.access_decided',
    description: '有条件开放申请结果 — the owner decided on a conditional-access application',
    params: ['dataset', 'decision'],
    channels: ['email'],
    zh: ['数据使用申请结果', '您对数据集「{{dataset}}」的使用申请：{{decision}}', '数据集「{{dataset}}」使用申请：{{decision}}'],
    en: ['Decision on your data access application', 'Your application to use the dataset "{{dataset}}": {{decision}}', 'Dataset "{{dataset}}" access: {{decision}}'],
  },
];
