import { quote } from '../errors.ts';

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Why `value` is not a plain e-mail address (no display name), or undefined. */
export function emailProblem(value: string): string | undefined {
  const ok = value.length <= 254 && EMAIL.test(value) && !value.includes('..');
  return ok
    ? undefined
    : `${quote(value)} is not an e-mail address; expected an address such as no-reply@acme.com`;
}
