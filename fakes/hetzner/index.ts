export { startFakeHetzner } from './server.ts';
export type {
  FakeCall,
  FakeHetzner,
  FakeHetznerOptions,
  FakeStorageBoxSeed,
  FakeState,
  Fault,
  ServerCreatedHook,
  ServerRebuiltHook,
} from './server.ts';
