/**
 * The block kind: `flow.block(body)`. A block's body runs in the engine (not
 * on a backend) once its dependencies are done; tasks and blocks created
 * while it runs are its members (the engine's scopes track them).
 *
 * @module
 */
import type { Kind } from "./_kind.ts";

/** The block kind. */
export const blockKind: Kind = {
  name: "block",
  prefix: "block.",
  onBackend: false,
  prepare: undefined,
};
