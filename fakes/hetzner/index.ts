export { startFakeHetzner } from './server.ts';
export type {
  FakeCall,
  FakeHetzner,
  FakeHetznerOptions,
  FakeState,
  Fault,
  ServerCreatedHook,
  ServerRebuiltHook,
} from './server.ts';
