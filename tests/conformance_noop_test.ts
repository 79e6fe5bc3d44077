import { NoopBackend } from "../mod.ts";
import { backendConformance } from "./conformance.ts";

backendConformance("noop", () => new NoopBackend(), {
  dummyResult: "Dummy Output",
  skip: {
    "errors": "no body runs, so nothing can throw",
    "cancel-running": "tasks complete at once: nothing is ever running to cancel",
    "timeout": "tasks complete at once: nothing can time out",
    "executables": "no command runs (builders do run: covered by engine_test.ts)",
    "shutdown-in-flight": "tasks complete at once: nothing is in flight",
    "context": "no body runs, so nothing asks for its context",
    "abort": "tasks complete at once: nothing is running to abort",
  },
});
