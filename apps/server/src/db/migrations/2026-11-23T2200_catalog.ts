// Service catalog (政务服务事项): items and bundles (一件事) with drafts and immutable published
// versions, the search index (character bigrams in an integer array + GIN), suggestions, and the
// themes and synonyms that search uses — both data, so that a region adapts them without a release.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE catalog_items (
  id uuid PRIMARY KEY,
  implementation_code text NOT NULL UNIQUE,
  department_id uuid NOT NULL REFERENCES departments(id),
  region_code text NOT NULL,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','retired')),
  latest_version integer,
  draft jsonb,
  draft_updated_at timestamptz,
  lint_errors integer NOT NULL DEFAULT 0,
  lint_warnings integer NOT NULL DEFAULT 0,
  lint_rules text[] NOT NULL DEFAULT '{}',
  use_count bigint NOT NULL DEFAULT 0,
  retired_at timestamptz,
  retired_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_items_department ON catalog_items (department_id);

CREATE TABLE catalog_item_versions (
  item_id uuid NOT NULL REFERENCES catalog_items(id),
  version integer NOT NULL CHECK (version > 0),
  implementation_code text NOT NULL,
  content jsonb NOT NULL,
  findings jsonb NOT NULL DEFAULT '[]',
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by uuid,
  PRIMARY KEY (item_id, version)
);

CREATE TABLE catalog_bundles (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  lead_department_id uuid NOT NULL REFERENCES departments(id),
  region_code text NOT NULL,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','retired')),
  latest_version integer,
  draft jsonb,
  draft_updated_at timestamptz,
  lint_errors integer NOT NULL DEFAULT 0,
  lint_warnings integer NOT NULL DEFAULT 0,
  lint_rules text[] NOT NULL DEFAULT '{}',
  use_count bigint NOT NULL DEFAULT 0,
  retired_at timestamptz,
  retired_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalog_bundle_versions (
  bundle_id uuid NOT NULL REFERENCES catalog_bundles(id),
  version integer NOT NULL CHECK (version > 0),
  content jsonb NOT NULL,
  findings jsonb NOT NULL DEFAULT '[]',
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by uuid,
  PRIMARY KEY (bundle_id, version)
);

CREATE TABLE catalog_bundle_items (
  bundle_id uuid NOT NULL REFERENCES catalog_bundles(id),
  item_id uuid NOT NULL REFERENCES catalog_items(id),
  PRIMARY KEY (bundle_id, item_id)
);
CREATE INDEX catalog_bundle_items_item ON catalog_bundle_items (item_id);

CREATE TABLE catalog_search (
  entity_id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('item','bundle')),
  version integer NOT NULL,
  name text NOT NULL,
  department_id uuid NOT NULL,
  region_code text NOT NULL,
  item_type text NOT NULL,
  service_objects text[] NOT NULL,
  themes text[] NOT NULL,
  depth smallint NOT NULL,
  cross_province boolean NOT NULL,
  promised_days integer NOT NULL,
  exempt_count integer NOT NULL,
  material_count integer NOT NULL,
  use_count bigint NOT NULL DEFAULT 0,
  snippet text NOT NULL,
  name_terms integer[] NOT NULL,
  terms integer[] NOT NULL
);
CREATE INDEX catalog_search_terms ON catalog_search USING gin (terms) WITH (fastupdate = off);
CREATE INDEX catalog_search_name_terms ON catalog_search USING gin (name_terms) WITH (fastupdate = off);
CREATE INDEX catalog_search_bundle_names ON catalog_search USING gin (name_terms) WHERE kind = 'bundle';
CREATE INDEX catalog_search_use ON catalog_search (use_count DESC);
CREATE INDEX catalog_search_region ON catalog_search (region_code text_pattern_ops);
CREATE INDEX catalog_search_department ON catalog_search (department_id);

CREATE TABLE catalog_suggestions (
  text text PRIMARY KEY,
  kind text NOT NULL,
  refs integer NOT NULL DEFAULT 1,
  terms integer[] NOT NULL
);
CREATE INDEX catalog_suggestions_terms ON catalog_suggestions USING gin (terms);

CREATE TABLE catalog_themes (
  code text PRIMARY KEY,
  name text NOT NULL,
  name_en text NOT NULL,
  audience text NOT NULL CHECK (audience IN ('person','enterprise')),
  sort integer NOT NULL DEFAULT 0,
  keywords text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE catalog_synonyms (
  id serial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('equivalent','expansion')),
  terms text[] NOT NULL CHECK (cardinality(terms) >= 2)
);
`);

  // Life events (persons) and business events (enterprises), as the national portal groups them.
  const themes: [string, string, string, 'person' | 'enterprise', string[]][] = [
    ['birth', '生育收养', 'Birth and adoption', 'person', ['生孩子', '新生儿', '出生', '生育', '收养']],
    ['household', '户籍办理', 'Household registration', 'person', ['户口', '落户', '迁户']],
    ['identity_documents', '证件办理', 'Identity documents', 'person', ['身份证', '居住证', '证明']],
    ['education', '教育科研', 'Education', 'person', ['上学', '入学']],
    ['employment', '就业创业', 'Employment', 'person', ['找工作', '失业', '就业']],
    ['social_insurance', '社会保险', 'Social insurance', 'person', ['社保', '养老保险', '失业保险', '工伤']],
    ['medical', '医疗卫生', 'Health care', 'person', ['医保', '看病', '就医']],
    ['marriage', '婚姻登记', 'Marriage', 'person', ['结婚', '离婚']],
    ['housing', '住房保障', 'Housing', 'person', ['公积金', '租房', '买房']],
    ['real_estate', '不动产登记', 'Real estate', 'person', ['房产', '过户', '二手房']],
    ['retirement', '退休养老', 'Retirement', 'person', ['退休', '养老金', '老年人']],
    ['social_assistance', '社会救助', 'Social assistance', 'person', ['低保', '救助', '困难']],
    ['death', '死亡殡葬', 'Death and funeral', 'person', ['身后事', '死亡']],
    ['professions', '职业资格', 'Professional practice', 'person', ['执业', '资格']],
    ['establishment', '设立变更', 'Starting and changing a business', 'enterprise', ['开公司', '开店', '企业开办']],
    ['operating_permits', '准营准办', 'Operating permits', 'enterprise', ['许可', '开餐馆']],
    ['tax', '纳税缴费', 'Taxes and fees', 'enterprise', ['发票', '报税']],
    ['hiring', '用工招聘', 'Hiring staff', 'enterprise', ['招人', '员工', '招聘']],
    ['construction', '工程建设', 'Construction projects', 'enterprise', ['施工', '建设工程']],
    ['utilities', '水电气网', 'Utilities', 'enterprise', ['供水', '供电', '燃气']],
    ['deregistration', '注销清算', 'Closing a business', 'enterprise', ['注销', '关门']],
    ['public_data', '数据开放', 'Public data', 'enterprise', ['数据', '共享']],
  ];
  let sort = 0;
  for (const [code, name, nameEn, audience, keywords] of themes) {
    await db.insertInto('catalog_themes').values({ code, name, name_en: nameEn, audience, sort: sort++, keywords }).execute();
  }

  // Synonyms: 'equivalent' terms stand for each other; in an 'expansion' the first term (how
  // people say it) also finds the others (how the catalog says it).
  const synonyms: ['equivalent' | 'expansion', string[]][] = [
    ['equivalent', ['身份证', '居民身份证']],
    ['equivalent', ['营业执照', '执照']],
    ['equivalent', ['社保', '社会保险']],
    ['equivalent', ['医保', '医疗保险', '医疗保障']],
    ['equivalent', ['公积金', '住房公积金']],
    ['equivalent', ['户口本', '户口簿', '居民户口簿']],
    ['equivalent', ['户口', '户籍']],
    ['equivalent', ['房产证', '不动产权证书', '不动产权证']],
    ['equivalent', ['二手房', '存量房']],
    ['equivalent', ['补办', '补领', '补发']],
    ['equivalent', ['驾照', '驾驶证']],
    ['equivalent', ['结婚证', '婚姻登记证']],
    ['equivalent', ['餐馆', '饭店', '餐饮']],
    ['equivalent', ['社保卡', '社会保障卡']],
    ['equivalent', ['企业开办', '开办企业']],
    ['expansion', ['生孩子', '出生', '新生儿', '生育']],
    ['expansion', ['生娃', '出生', '新生儿', '生育']],
    ['expansion', ['宝宝', '新生儿', '出生']],
    ['expansion', ['开公司', '企业开办', '企业设立', '设立登记']],
    ['expansion', ['办公司', '企业开办', '企业设立']],
    ['expansion', ['开店', '个体工商户', '设立登记']],
    ['expansion', ['开饭店', '餐饮', '食品经营']],
    ['expansion', ['开餐馆', '餐饮', '食品经营']],
    ['expansion', ['招人', '员工录用', '就业登记']],
    ['expansion', ['招员工', '员工录用', '就业登记']],
    ['expansion', ['买房', '购房', '不动产']],
    ['expansion', ['卖房', '二手房', '转移登记']],
    ['expansion', ['过户', '转移登记', '过户']],
    ['expansion', ['结婚', '结婚登记']],
    ['expansion', ['离婚', '离婚登记']],
    ['expansion', ['看病', '医保', '就医']],
    ['expansion', ['养老金', '退休', '养老保险']],
    ['expansion', ['退休', '退休', '养老']],
    ['expansion', ['丢了', '补领', '遗失']],
    ['expansion', ['关公司', '注销']],
    ['expansion', ['低保', '最低生活保障']],
    ['expansion', ['水电气', '供水', '供电', '燃气']],
  ];
  for (const [kind, terms] of synonyms) await db.insertInto('catalog_synonyms').values({ kind, terms }).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
