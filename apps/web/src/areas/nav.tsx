import type { ReactNode } from 'react';
import {
  AppstoreOutlined,
  AuditOutlined,
  BankOutlined,
  BarChartOutlined,
  ClusterOutlined,
  CommentOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DeploymentUnitOutlined,
  FileDoneOutlined,
  FileSearchOutlined,
  FolderOpenOutlined,
  FundOutlined,
  GlobalOutlined,
  HomeOutlined,
  IdcardOutlined,
  InboxOutlined,
  LikeOutlined,
  PartitionOutlined,
  SafetyCertificateOutlined,
  ScheduleOutlined,
  SearchOutlined,
  ShareAltOutlined,
  SolutionOutlined,
  TeamOutlined,
  TrophyOutlined,
  UserSwitchOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import type { Area } from '../session';
import { hasSectionPage } from '../features/registry';

/**
 * The sections of each audience area. `main` sections are the big tiles of the home page and
 * the only ones shown in elder-friendly mode; `roles` limits a section to some roles of the area.
 * Labels live in the locale files under `nav.<area>.<key>` and `feature.<area>.<key>`.
 */
export interface Section {
  key: string;
  /** Path relative to the area root; '' is the area's home. */
  path: string;
  icon: ReactNode;
  main?: boolean;
  roles?: string[];
  /** True once the section's page exists (derived below); until then it honestly says "coming in a later release". */
  ready?: boolean;
}

export const SECTIONS: Record<Area, Section[]> = {
  portal: [
    { key: 'home', path: '', icon: <HomeOutlined />, ready: true },
    { key: 'services', path: 'services', icon: <SearchOutlined />, main: true },
    { key: 'bundles', path: 'bundles', icon: <AppstoreOutlined />, main: true },
    { key: 'applications', path: 'applications', icon: <FileSearchOutlined />, main: true },
    { key: 'licences', path: 'licences', icon: <IdcardOutlined />, main: true },
    { key: 'inquiries', path: 'inquiries', icon: <CommentOutlined />, main: true },
    { key: 'reviews', path: 'reviews', icon: <LikeOutlined /> },
    { key: 'dataUsage', path: 'data-usage', icon: <SafetyCertificateOutlined /> },
    { key: 'mandates', path: 'mandates', icon: <UserSwitchOutlined />, roles: ['citizen', 'agent', 'enterprise'] },
    { key: 'openData', path: 'open-data', icon: <DatabaseOutlined /> },
  ],
  workbench: [
    { key: 'home', path: '', icon: <HomeOutlined />, ready: true },
    { key: 'tasks', path: 'tasks', icon: <InboxOutlined />, main: true },
    { key: 'intake', path: 'intake', icon: <SolutionOutlined />, main: true, roles: ['window_clerk'] },
    { key: 'applications', path: 'applications', icon: <FileSearchOutlined />, main: true },
    { key: 'deadlines', path: 'deadlines', icon: <ScheduleOutlined />, main: true },
    { key: 'issue', path: 'licences', icon: <FileDoneOutlined />, roles: ['decider'] },
    { key: 'rectification', path: 'rectification', icon: <LikeOutlined /> },
    { key: 'inquiries', path: 'inquiries', icon: <CommentOutlined /> },
    { key: 'workOrders', path: 'work-orders', icon: <WarningOutlined /> },
  ],
  admin: [
    { key: 'home', path: '', icon: <HomeOutlined />, ready: true },
    { key: 'items', path: 'items', icon: <FolderOpenOutlined />, main: true, roles: ['dept_admin', 'platform_admin'] },
    { key: 'bundles', path: 'bundles', icon: <PartitionOutlined />, roles: ['dept_admin', 'platform_admin'] },
    { key: 'staff', path: 'staff', icon: <TeamOutlined />, main: true, roles: ['dept_admin'] },
    { key: 'catalog', path: 'catalog', icon: <DatabaseOutlined />, main: true, roles: ['data_admin'] },
    { key: 'sharing', path: 'sharing', icon: <ShareAltOutlined />, main: true, roles: ['data_admin'] },
    { key: 'exchange', path: 'exchange', icon: <DeploymentUnitOutlined />, roles: ['data_admin'] },
    { key: 'openData', path: 'open-data', icon: <GlobalOutlined />, roles: ['data_admin'] },
    { key: 'regions', path: 'regions', icon: <BankOutlined />, main: true, roles: ['platform_admin'] },
    { key: 'accounts', path: 'accounts', icon: <TeamOutlined />, main: true, roles: ['platform_admin'] },
    { key: 'federation', path: 'federation', icon: <ClusterOutlined />, roles: ['platform_admin'] },
    { key: 'rectification', path: 'rectification', icon: <LikeOutlined />, roles: ['dept_admin'] },
    { key: 'workOrders', path: 'work-orders', icon: <WarningOutlined />, roles: ['dept_admin'] },
    { key: 'audit', path: 'audit', icon: <AuditOutlined />, main: true, roles: ['platform_admin', 'data_admin', 'dept_admin'] },
  ],
  oversight: [
    { key: 'home', path: '', icon: <HomeOutlined />, ready: true },
    { key: 'dashboard', path: 'dashboard', icon: <DashboardOutlined />, main: true },
    { key: 'overdue', path: 'overdue', icon: <WarningOutlined />, main: true },
    { key: 'reviews', path: 'reviews', icon: <BarChartOutlined />, main: true },
    { key: 'inquiries', path: 'inquiries', icon: <CommentOutlined /> },
    { key: 'evaluation', path: 'evaluation', icon: <TrophyOutlined />, main: true },
    { key: 'practices', path: 'practices', icon: <FundOutlined /> },
    { key: 'audit', path: 'audit', icon: <AuditOutlined /> },
  ],
};

// A section is ready when its page exists (features/registry.ts); nobody flips a flag by hand.
for (const area of Object.keys(SECTIONS) as Area[]) {
  for (const s of SECTIONS[area]) if (s.path !== '') s.ready = hasSectionPage(area, s.key);
}

export function sectionsFor(area: Area, roles: string[] | null): Section[] {
  return SECTIONS[area].filter((s) => !s.roles || !roles || s.roles.some((r) => roles.includes(r)));
}

export function sectionHref(area: Area, section: Section): string {
  const root = area === 'portal' ? '/portal' : `/${area}`;
  return section.path ? `${root}/${section.path}` : root;
}
