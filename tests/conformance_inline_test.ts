import { InlineBackend } from "../mod.ts";
import { backendConformance } from "./conformance.ts";

backendConformance("inline", () => new InlineBackend());
