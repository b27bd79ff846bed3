import { userInfo } from 'node:os';

/** The operator's name when a command does not say (`--by`). */
export function defaultActor(): string {
  return process.env.SWITCHYARD_ACTOR || userInfo().username;
}
