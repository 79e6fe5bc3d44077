import { WorkerBackend } from "../mod.ts";
import { backendConformance } from "./conformance.ts";

backendConformance("workers", () => new WorkerBackend({ workers: 2 }));
