/**
 * Shared helpers for every module: identifier validation, GB/T 2260 regions,
 * masking of personal data, and the working-day calendar for legal deadlines.
 */
export { chinaEndOfDay, isValidDateParts, parseIsoDate } from './dates';
export {
  ancestorsOf,
  childrenOf,
  getRegion,
  isInSubtree,
  isPlaceholderRegion,
  isRegionCode,
  parseRegionPrefix,
  provinces,
  type Region,
  type RegionLevel,
} from './regions';
export {
  orgCodeCheckChar,
  residentIdCheckChar,
  usccCheckChar,
  validateMobile,
  validateResidentId,
  validateUscc,
  type MobileResult,
  type ResidentIdResult,
  type UsccResult,
} from './validators';
export {
  maskAddress,
  maskEmail,
  maskMobile,
  maskName,
  maskPersonalDataInText,
  maskResidentId,
  maskUscc,
} from './masking';
export {
  CalendarCoverageError,
  addWorkingDays,
  calendarCoverage,
  chinaDate,
  deadlineAt,
  extendCalendar,
  isWorkingDay,
  workingDaysBetween,
} from './workdays';
