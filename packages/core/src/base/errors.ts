/**
 * The base of every typed error Parley throws. `code` is stable and machine-readable; `message` is for
 * humans and never contains secret material.
 */
export class ParleyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
