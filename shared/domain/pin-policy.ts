import type { PinPolicy, SecurityDomain } from './model';
import { PIN_MAX_LENGTH, PIN_MIN_LENGTH } from './passcode';

/**
 * A security domain's PIN policy: how long a PIN is and of which characters. New domains get NIST SP
 * 800-63B's floor for memorized secrets that are PINs, six digits (5.1.1.1 via 5.2.3 of 800-63B-4's
 * activation secrets); a domain may ask for more (up to 8 characters, letters and digits) or, by an
 * explicit policy, keep shorter ones (the demo domains keep their 4-digit demo PINs). A PIN is checked
 * when it is set; PINs already set stay until they are changed.
 *
 * What the PIN is worth: online, one guess per attempt within the lockout limit (10 / 10^6 for six
 * digits); against a stolen offline file, nothing at all without the token (SECURITY.md).
 */
export const DEFAULT_PIN_POLICY: PinPolicy = { minLength: 6, maxLength: 8, characters: 'digits' };

/** What a domain stored before PIN policies existed is held to: the 4 to 8 digits the API took then. */
export const LEGACY_PIN_POLICY: PinPolicy = { minLength: 4, maxLength: 8, characters: 'digits' };

export const pinPolicyOf = (domain: Pick<SecurityDomain, 'pinPolicy'> | null): PinPolicy =>
  domain?.pinPolicy ?? LEGACY_PIN_POLICY;

/** Every reason the policy is unacceptable; empty when it is fine. */
export function pinPolicyProblems(policy: PinPolicy): string[] {
  const problems: string[] = [];
  const { minLength, maxLength } = policy;
  if (!Number.isInteger(minLength) || minLength < PIN_MIN_LENGTH || minLength > PIN_MAX_LENGTH) {
    problems.push(`minLength must be an integer from ${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH}`);
  }
  if (!Number.isInteger(maxLength) || maxLength < minLength || maxLength > PIN_MAX_LENGTH) {
    problems.push(`maxLength must be an integer from minLength to ${PIN_MAX_LENGTH}`);
  }
  if (policy.characters !== 'digits' && policy.characters !== 'alphanumeric') {
    problems.push('characters must be digits or alphanumeric');
  }
  return problems;
}

/** Why the PIN does not meet the policy (never repeating the PIN); empty when it does. */
export function pinProblems(policy: PinPolicy, pin: string): string[] {
  const problems: string[] = [];
  if (pin.length < policy.minLength || pin.length > policy.maxLength) {
    problems.push(`a PIN of this security domain is ${policy.minLength} to ${policy.maxLength} characters`);
  }
  const allowed = policy.characters === 'digits' ? /^[0-9]*$/ : /^[A-Za-z0-9]*$/;
  if (!allowed.test(pin)) {
    problems.push(
      policy.characters === 'digits'
        ? 'a PIN of this security domain is digits only'
        : 'a PIN of this security domain is letters and digits only',
    );
  }
  return problems;
}
