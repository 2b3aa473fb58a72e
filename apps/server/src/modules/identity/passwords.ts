/** Password hashing with argon2id (OWASP 2024 parameters: 19 MiB, 2 passes, 1 lane). */
import { hash, verify } from '@node-rs/argon2';

const PARAMS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, PARAMS);

// A hash of a random password, verified against when the account does not exist, so that a
// sign-in for an unknown name takes as long as one for a known name (no user enumeration).
let dummy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword(`dummy-${Math.random()}`);
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** Staff passwords: at least 10 characters with letters and digits (GB/T 22239 level 3 asks for complexity). */
export function passwordProblem(pw: string): { zh: string; en: string } | null {
  if (pw.length < 10) return { zh: '密码至少 10 位', en: 'Password must be at least 10 characters' };
  if (!/[A-Za-z]/.test(pw) || !/[0-9]/.test(pw)) return { zh: '密码须同时包含字母和数字', en: 'Password must contain letters and digits' };
  return null;
}
