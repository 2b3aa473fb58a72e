/** /oversight/audit: the audit log of the supervisor's region (the same page as /admin/audit; the server scopes it). */
export { default } from '../../admin/sections/audit';
