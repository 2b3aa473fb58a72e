/**
 * 脱敏: masking personal data for display, exports and logs, in the forms Chinese government
 * portals use (e.g. 350***********123X, 138****5678, 张*). Masks never reveal more than the
 * kept characters; a string too short to keep anything is masked entirely.
 */
import { parseRegionPrefix } from './regions';
import { validateMobile } from './validators';

const STAR = '*';
/** Fixed-length mask for the free-form tail of addresses and e-mail names: hides their length. */
const TAIL_MASK = '****';

/**
 * Keeps `keepStart` leading and `keepEnd` trailing characters and stars the rest, one star per
 * character. Works on code points so that rare characters (𠮷) count as one.
 */
function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  const chars = Array.from(value);
  if (chars.length <= keepStart + keepEnd) return STAR.repeat(chars.length);
  return (
    chars.slice(0, keepStart).join('') +
    STAR.repeat(chars.length - keepStart - keepEnd) +
    chars.slice(chars.length - keepEnd).join('')
  );
}

/** Resident ID number: first 3 and last 4 kept, '350***********123X'. */
export function maskResidentId(id: string): string {
  return maskMiddle(id.trim().toUpperCase(), 3, 4);
}

/** Mobile number: '138****5678'; a +86 prefix or separators are dropped first. */
export function maskMobile(mobile: string): string {
  const v = validateMobile(mobile);
  return maskMiddle(v.ok ? v.mobile : mobile.trim(), 3, 4);
}

/** Personal name: family-name character kept, '张*', '欧阳娜娜' → '欧***'; one character → '*'. */
export function maskName(name: string): string {
  return maskMiddle(name.trim(), 1, 0);
}

/**
 * Unified social credit code: the first 8 characters (registering authority, kind of
 * organisation, region — they identify no one) and the last 4 kept, '91350100******0Y43'.
 * Most of the organisation code, the identifying part, is hidden; for 个体工商户 the code is
 * personal data.
 */
export function maskUscc(code: string): string {
  return maskMiddle(code.trim().toUpperCase(), 8, 4);
}

/**
 * Address: the administrative divisions it starts with are kept, down to the county
 * ('福建省福州市鼓楼区****'); the rest is replaced by a fixed mask. An address that does not start
 * with a known division name is masked entirely.
 */
export function maskAddress(address: string): string {
  const trimmed = address.trim();
  if (trimmed === '') return '';
  const prefix = parseRegionPrefix(trimmed);
  return (prefix ? trimmed.slice(0, prefix.length) : '') + TAIL_MASK;
}

/** E-mail: first character of the local part and the domain kept, 'z****@example.com'. */
export function maskEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return maskMiddle(trimmed, 0, 0);
  return Array.from(trimmed)[0] + TAIL_MASK + trimmed.slice(at);
}

// ───────────────────────────────── free text (log redaction) ─────────────────────────────────

/**
 * An 18-character resident ID number not inside a longer run of digits: region (6 digits), a
 * plausible birth date (1800–2099, month 01–12, day 01–31), sequence, check character. The check
 * character is deliberately not verified: a mistyped ID number is still personal data.
 */
const RESIDENT_ID_IN_TEXT =
  /(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)/g;
/**
 * A mobile number, possibly after a country code and written 138 1234 5678 or 138-1234-5678,
 * not inside a longer number. Group 1 is the country code, group 2 the number.
 */
const MOBILE_IN_TEXT = /(?<!\d)((?:\+|00)?86[ -]?)?(1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?!\d)/g;
const EMAIL_IN_TEXT = /[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * Masks resident ID numbers, mobile numbers and e-mail addresses inside free text — log
 * messages, error details, exported comments — in the same forms as the functions above.
 * A country code before a mobile number is left in place ('+86 138****5678').
 */
export function maskPersonalDataInText(text: string): string {
  // ID numbers first: their digits must not be mistaken for anything else. Masked values contain
  // stars, so the later patterns cannot match inside them.
  return text
    .replace(RESIDENT_ID_IN_TEXT, maskResidentId)
    .replace(MOBILE_IN_TEXT, (_match, countryCode: string | undefined, mobile: string) => (countryCode ?? '') + maskMobile(mobile))
    .replace(EMAIL_IN_TEXT, maskEmail);
}
