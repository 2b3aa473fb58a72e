/** 差评整改 for department admins (/admin/rectification): the same pages as the workbench's, with the appeal (申诉) form. */
export { default } from '../../workbench/sections/rectification';
