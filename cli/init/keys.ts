/** How init installs the master's two keys: as cloud-init/master/keys.ts says each must be installed. */
import { MASTER_KEY_DIR, MASTER_KEY_FILES } from '../../cloud-init/master/keys.ts';

export type MasterKeyName = 'fleet-seal.key' | 'backup.key';

/** The command run on the master (as the SSH user, with sudo) that writes one key from stdin. */
export function remoteInstall(name: MasterKeyName): string {
  const key = MASTER_KEY_FILES.find((k) => k.file === name)!;
  return `sudo ${key.install} /dev/stdin ${MASTER_KEY_DIR}/${key.file}`;
}

/** The operator's command: the key read from the local file `local`, never from a command line. */
export function keyCommand(
  target: { user: string; host: string },
  name: MasterKeyName,
  local: string,
): string {
  return `ssh ${target.user}@${target.host} '${remoteInstall(name)}' < ${local}`;
}
