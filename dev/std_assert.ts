/**
 * `@std/assert` for the tests (the import map's target): the assertions of
 * npm's `deno-std` (JSR is not reachable from the build machines).
 *
 * A development dependency only: nothing in `mod.ts` or `src/` imports it,
 * and it is locked in `dev/deno.lock`, not in a lock file that
 * `deno task demo` or a URL import reads (see the README's Development).
 * The names are listed, not `export *`: the package ships no types, and a
 * star re-export of an untyped module exports nothing to the type checker.
 *
 * @module
 */
export {
  assert,
  assertAlmostEquals,
  assertArrayIncludes,
  assertEquals,
  assertExists,
  assertFalse,
  assertGreater,
  assertGreaterOrEqual,
  assertInstanceOf,
  AssertionError,
  assertIsError,
  assertLess,
  assertLessOrEqual,
  assertMatch,
  assertNotEquals,
  assertNotInstanceOf,
  assertNotMatch,
  assertNotStrictEquals,
  assertObjectMatch,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
  equal,
  fail,
  unimplemented,
  unreachable,
} from "npm:deno-std@1.4.0/assert/mod.js";
