import { assertEquals, assertThrows } from "@std/assert";
import {
  buildSrunArgv,
  cleanSlurmEnvironment,
  srunEnvironment,
  type SrunTaskSpec,
} from "../src/backends/slurm/argv.ts";
import {
  countGpus,
  expandCounts,
  expandHostlist,
  parseJobInfo,
  parseSrunLine,
} from "../src/backends/slurm/parse.ts";

function spec(overrides: Partial<SrunTaskSpec> = {}): SrunTaskSpec {
  return {
    uid: "task.000007",
    resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
    command: ["true"],
    ...overrides,
  };
}

Deno.test("buildSrunArgv() builds the minimal step for one rank", () => {
  assertEquals(buildSrunArgv(spec()), [
    "srun",
    "--job-name=task.000007",
    "--ntasks=1",
    "--cpus-per-task=1",
    "--exact",
    "--",
    "true",
  ]);
});

Deno.test("buildSrunArgv() maps resources, placement, files and options to flags", () => {
  const argv = buildSrunArgv(
    spec({
      resources: { ranks: 4, coresPerRank: 2, gpusPerRank: 1, memoryMB: 1001 },
      cwd: "/work/sandbox one",
      stdoutPath: "/out/task.000007.stdout",
      stderrPath: "/out/task.000007.stderr",
      command: ["mpi_app", "--in", "a b"],
    }),
    {
      srun: "/opt/slurm/bin/srun",
      jobId: "42",
      nodes: ["n1", "n2"],
      verbose: true,
      extraArgs: ["--mpi=pmi2"],
    },
  );
  assertEquals(argv, [
    "/opt/slurm/bin/srun",
    "--jobid=42",
    "--job-name=task.000007",
    "--ntasks=4",
    "--cpus-per-task=2",
    "--gpus-per-task=1",
    "--mem=501",
    "--exact",
    "--nodes=2",
    "--nodelist=n1,n2",
    "--chdir=/work/sandbox one",
    "--output=/out/task.000007.stdout",
    "--error=/out/task.000007.stderr",
    "--verbose",
    "--mpi=pmi2",
    "--",
    "mpi_app",
    "--in",
    "a b",
  ]);
});

Deno.test("buildSrunArgv() passes a string command as one argument of /bin/sh -c", () => {
  const command = `echo "$HOME" 'it''s' $(date); rm -rf "; --nodes=99"`;
  const argv = buildSrunArgv(spec({ command }), { overlap: true });
  assertEquals(argv.slice(-4), ["--", "/bin/sh", "-c", command]);
  assertEquals(argv.includes("--overlap"), true);
  assertEquals(argv.includes("--exact"), false);
});

Deno.test("buildSrunArgv() lists comma values by name only in --export", () => {
  const argv = buildSrunArgv(spec({ env: { A: "1", B: "x,y", C: "k=v", D: "" } }));
  assertEquals(argv.filter((a) => a.startsWith("--export")), ["--export=ALL,A=1,B,C=k=v,D="]);
  const env = srunEnvironment(
    { env: { B: "x,y" } },
    { SLURM_JOB_ID: "9", SLURM_NTASKS: "4", SLURM_CONF: "/c", PATH: "/bin" },
  );
  assertEquals(env, { SLURM_CONF: "/c", PATH: "/bin", B: "x,y" });
});

Deno.test("buildSrunArgv() escapes % in output paths for Slurm's filename patterns", () => {
  const argv = buildSrunArgv(spec({ stdoutPath: "/out/100%/t.stdout" }));
  assertEquals(argv.includes("--output=/out/100%%/t.stdout"), true);
});

Deno.test("buildSrunArgv() throws at once on input it cannot express", () => {
  assertThrows(
    () => buildSrunArgv(spec({ command: [] })),
    TypeError,
    "Cannot build srun argv as the command must be a non-empty array of strings: received an array (length 0)",
  );
  assertThrows(() => buildSrunArgv(spec({ command: "  " })), TypeError, "the command is empty");
  assertThrows(
    () => buildSrunArgv(spec({ env: { "BAD-NAME": "1" } })),
    TypeError,
    `env name must be a shell variable name: received "BAD-NAME"`,
  );
  assertThrows(
    () => buildSrunArgv(spec({ stdoutPath: "C:\\out" })),
    TypeError,
    "must not contain a backslash",
  );
  assertThrows(
    () =>
      buildSrunArgv(
        spec({ resources: { ranks: 0, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 } }),
      ),
    RangeError,
    "Cannot build srun argv as 'ranks' must be an integer >= 1: received 0",
  );
  assertThrows(
    () => buildSrunArgv(spec(), { nodes: ["n1", "n2"] }),
    RangeError,
    "'nodes' must hold 1 to 1 node names",
  );
});

Deno.test("cleanSlurmEnvironment() drops an enclosing job's variables but keeps SLURM_CONF", () => {
  assertEquals(
    cleanSlurmEnvironment({
      SLURM_JOB_ID: "1",
      SLURM_CONF: "/x",
      SLURMD_NODENAME: "n1",
      HOME: "/",
    }),
    { SLURM_CONF: "/x", SLURMD_NODENAME: "n1", HOME: "/" },
  );
});

Deno.test("expandHostlist() expands ranges, padding and several groups", () => {
  assertEquals(expandHostlist("n[1-3,5],login"), ["n1", "n2", "n3", "n5", "login"]);
  assertEquals(expandHostlist("gpu[08-10]"), ["gpu08", "gpu09", "gpu10"]);
  assertEquals(expandHostlist("r[1-2]n[1-2]"), ["r1n1", "r1n2", "r2n1", "r2n2"]);
  assertEquals(expandHostlist("(null)"), []);
  assertThrows(() => expandHostlist("n[1-3"), SyntaxError, "a '[' without ']'");
  assertThrows(() => expandHostlist("n[3-1]"), SyntaxError, "a bad range '3-1'");
});

Deno.test("expandCounts() expands Slurm's per-node counts", () => {
  assertEquals(expandCounts("8(x3),4"), [8, 8, 8, 4]);
  assertThrows(() => expandCounts("8x3"), SyntaxError, "'8x3' is not N or N(xM)");
});

Deno.test("countGpus() counts typed and untyped GPUs in a GRES value", () => {
  assertEquals(countGpus("gpu:a100:2(IDX:0-1),nic:1"), 2);
  assertEquals(countGpus("gpu:4(IDX:0-3)"), 4);
  assertEquals(countGpus(""), 0);
});

Deno.test("parseJobInfo() reads state, nodes, CPUs and GPUs from scontrol show job -d", () => {
  const text = `JobId=12 JobName=asyncflow-flow.1
   JobState=RUNNING Reason=None Dependency=(null)
   NodeList=n[1-3]
   NumNodes=3 NumCPUs=20 NumTasks=3 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
     Nodes=n[1-2] CPU_IDs=0-7 Mem=0 GRES=gpu:2(IDX:0-1)
     Nodes=n3 CPU_IDs=0-1,4-5 Mem=0 GRES=
`;
  assertEquals(parseJobInfo(text), {
    jobId: "12",
    state: "RUNNING",
    reason: "None",
    nodes: [
      { name: "n1", cpus: 8, gpus: 2 },
      { name: "n2", cpus: 8, gpus: 2 },
      { name: "n3", cpus: 4, gpus: 0 },
    ],
  });
  assertThrows(
    () => parseJobInfo("slurm_load_jobs error: Invalid job id"),
    SyntaxError,
    "no JobId",
  );
});

Deno.test("parseSrunLine() classifies srun --verbose lines", () => {
  assertEquals(parseSrunLine("srun: launching StepId=4.2 on host n1, 8 tasks: [0-7]"), {
    kind: "launching",
    jobId: "4",
    stepId: "2",
    node: "n1",
  });
  assertEquals(
    parseSrunLine(
      "srun: launch/slurm: _task_finish: Received task exit notification for 1 task of StepId=4.0 (status=0x0009).",
    ),
    { kind: "finished", status: 9 },
  );
  assertEquals(parseSrunLine("srun: error: Node failure on n3"), {
    kind: "error",
    message: "Node failure on n3",
    nodeFailure: "n3",
  });
  assertEquals(parseSrunLine("srun: jobid 4: nodes(3):`n[1-3]', cpu counts: 8(x3)"), {
    kind: "info",
  });
  assertEquals(parseSrunLine("srun: this is my own output"), { kind: "info" });
  assertEquals(parseSrunLine("Traceback (most recent call last):"), { kind: "output" });
});
