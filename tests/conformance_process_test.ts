import { ProcessBackend } from "../mod.ts";
import { backendConformance } from "./conformance.ts";

backendConformance("processes", () => new ProcessBackend({ processes: 2 }));
