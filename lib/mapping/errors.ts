/** A record that cannot be mapped or stored exactly. Never coerced: it is quarantined or reported. */
export class FidelityError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
