import sodiumModule from 'libsodium-wrappers';

/** libsodium, initialised once. */
export async function sodium(): Promise<typeof sodiumModule> {
  await sodiumModule.ready;
  return sodiumModule;
}
