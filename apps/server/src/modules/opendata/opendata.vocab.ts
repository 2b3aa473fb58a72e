/** Themes: the EU data themes (DCAT-AP's controlled vocabulary), with the portal's Chinese names. */
export const THEMES: Record<string, { zh: string; en: string }> = {
  AGRI: { zh: '农业农村', en: 'Agriculture, fisheries, forestry and food' },
  ECON: { zh: '经济建设', en: 'Economy and finance' },
  EDUC: { zh: '教育文化', en: 'Education, culture and sport' },
  ENER: { zh: '能源', en: 'Energy' },
  ENVI: { zh: '资源环境', en: 'Environment' },
  GOVE: { zh: '机构团体', en: 'Government and public sector' },
  HEAL: { zh: '医疗卫生', en: 'Health' },
  INTR: { zh: '国际', en: 'International issues' },
  JUST: { zh: '公共安全', en: 'Justice, legal system and public safety' },
  REGI: { zh: '城建住房', en: 'Regions and cities' },
  SOCI: { zh: '社会民生', en: 'Population and society' },
  TECH: { zh: '科技创新', en: 'Science and technology' },
  TRAN: { zh: '交通运输', en: 'Transport' },
};
export const THEME_BASE = 'http://publications.europa.eu/resource/authority/data-theme/';
export const FREQUENCY_BASE = 'http://publications.europa.eu/resource/authority/frequency/';
export const FILE_TYPE_BASE = 'http://publications.europa.eu/resource/authority/file-type/';
export const ACCESS_RIGHTS_BASE = 'http://publications.europa.eu/resource/authority/access-right/';

export const FORMATS = ['CSV', 'JSON', 'XLSX', 'API'] as const;
export type Format = (typeof FORMATS)[number];
export const MEDIA_TYPES: Record<Format, string> = {
  CSV: 'text/csv',
  JSON: 'application/json',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  API: 'application/json',
};
export const ACCESS_LEVELS = ['open', 'account', 'conditional'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
