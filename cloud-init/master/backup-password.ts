/**
 * The restic password of the master's own backups, derived from the fleet seal
 * private key, so the one secret the operator already keeps also opens the
 * master's backups after the server is gone:
 *
 *   lowercase hex SHA-256 of UTF-8 "supafleet master backup v1\n" + <fleet name> + "\n" + <key>
 *
 * where <key> is the content of `/etc/supafleet/fleet-seal.key` with surrounding
 * ASCII whitespace trimmed, and must be the 44-character base64 key that
 * `supafleet keygen` prints (the file holds nothing else: the master API reads it
 * the same way). `static/master-backup-password.sh` computes the same value on the
 * master; a test checks that both agree.
 */
import { createHash } from 'node:crypto';
import { Secret } from '../../core/seal/secret.ts';

/** The prefix that makes this hash mean "master backup password", versioned. */
export const BACKUP_PASSWORD_CONTEXT = 'supafleet master backup v1\n';

const FLEET_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const SEAL_KEY = /^[A-Za-z0-9+/]{43}=$/;
// The characters bash's [[:space:]] matches in the C locale, which the shell version trims.
const SURROUNDING_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** The seal private key from the key file's content: surrounding whitespace trimmed, shape checked. */
export function sealKeyFromFile(content: string): Secret {
  const key = content.replace(SURROUNDING_SPACE, '');
  if (!SEAL_KEY.test(key)) {
    throw new Error(
      `the seal private key is not valid (${key.length} characters after trimming whitespace); expected the 44-character base64 private key printed by supafleet keygen`,
    );
  }
  return new Secret(key);
}

/** The master's restic password for `fleet`, from the seal key file's content. */
export function masterBackupPassword(fleet: string, sealKeyFile: string): Secret {
  if (!FLEET_NAME.test(fleet)) {
    throw new Error(
      `fleet name "${fleet.slice(0, 40)}" is not valid; expected the name from fleet.yaml (3-32 lowercase letters, digits and -)`,
    );
  }
  const key = sealKeyFromFile(sealKeyFile);
  const hash = createHash('sha256')
    .update(`${BACKUP_PASSWORD_CONTEXT}${fleet}\n${key.reveal()}`, 'utf8')
    .digest('hex');
  return new Secret(hash);
}
