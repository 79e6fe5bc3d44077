import {
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { explainLoadError, loadFunction, shipFunction } from "../src/ship.ts";

const FIXTURE = new URL("./fixtures/worker_fns.ts", import.meta.url).href;

Deno.test("shipFunction() ships self-contained functions as source", async () => {
  const obj = {
    async twice(x: number) {
      await Promise.resolve();
      return 2 * x;
    },
  };
  for (
    const [fn, arg, want] of [
      [
        function inc(x: number) {
          return x + 1;
        },
        1,
        2,
      ],
      [(x: number) => x * 3, 2, 6],
      [async (x: number) => await x - 1, 5, 4],
      [obj.twice, 4, 8],
    ] as const
  ) {
    const s = shipFunction(fn, undefined);
    assertEquals(s.kind, "source");
    assertEquals(await (await loadFunction(s))(arg), want);
  }
});

Deno.test("shipFunction() throws TypeError for what cannot cross", () => {
  assertThrows(() => shipFunction(async function* g() {}, undefined), TypeError, "generator");
  assertThrows(() => shipFunction(Math.max, undefined), TypeError, "'max' as it is a native");
  assertThrows(
    () => shipFunction(() => 1, FIXTURE),
    TypeError,
    `it has no name, so it cannot be looked up in module '${FIXTURE}'`,
  );
  assertThrows(
    () => shipFunction(42 as unknown as () => unknown, undefined),
    TypeError,
    "is not a function: received 42",
  );
});

Deno.test("loadFunction() names the module and export when the export is wrong", async () => {
  const e = await assertRejects(
    () => loadFunction({ kind: "module", url: FIXTURE, name: "notAFunction" }),
    TypeError,
  );
  assertMatch(e.message, /the export 'notAFunction' of module '.*worker_fns.ts' is not a function/);
  await assertRejects(
    () => loadFunction({ kind: "module", url: "file:///nonexistent/mod.ts", name: "f" }),
    Error,
    "module 'file:///nonexistent/mod.ts' failed to import",
  );
  const scaled = await loadFunction({ kind: "module", url: FIXTURE, name: "scaled" });
  assertEquals(scaled(3), 30);
});

Deno.test("explainLoadError() explains only ReferenceErrors of source functions", () => {
  const s = shipFunction(() => 1, undefined);
  const original = new ReferenceError("data is not defined");
  const e = explainLoadError(s, original) as Error;
  assertInstanceOf(e, Error);
  assertMatch(e.message, /closes over outer variable 'data'/);
  assertEquals(e.cause, original);
  const other = new TypeError("x");
  assertEquals(explainLoadError(s, other), other);
  assertEquals(explainLoadError({ kind: "module", url: FIXTURE, name: "f" }, original), original);
});
