import type { Command } from 'commander';
import type { CommandIo } from '../io.ts';
import { registerBadges } from './badges.ts';
import { registerDoctor } from './doctor.ts';
import { registerInit } from './init.ts';
import { registerKeygen } from './keygen.ts';
import { registerMaster } from './master.ts';
import { registerPlan } from './plan.ts';
import { registerRender } from './render.ts';
import { registerSeal } from './seal.ts';
import { registerSmoke } from './smoke.ts';
import { registerStatus } from './status.ts';
import { registerUnseal } from './unseal.ts';
import { registerValidate } from './validate.ts';

/** Adds one command (with its options and action) to the program. */
export type RegisterCommand = (program: Command, io: CommandIo) => void;

/** Every supafleet command, in the order `supafleet --help` lists them. One line per command. */
export const commands: readonly RegisterCommand[] = [
  registerInit,
  registerValidate,
  registerPlan,
  registerKeygen,
  registerSeal,
  registerUnseal,
  registerRender,
  registerMaster,
  registerBadges,
  registerSmoke,
  registerStatus,
  registerDoctor,
];
