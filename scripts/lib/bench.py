#!/usr/bin/env python3
"""The benchmarks behind scripts/bench (which builds the release binaries and calls this).

Every import runs through the agent's own path: an agent (`nexus-ingest run`) is started on
a private drop root, the generated file is renamed into its route directory, and the time
runs until the upload's status file says SUCCEEDED. Peak RSS is the agent's, from
`/usr/bin/time -v`; the planning time is the agent's own "job planned" log figure.

In the same run, for the same file and the same machine: `cat FILE > /dev/null` (the read
limit), `psql \\copy` of the import's output rows (exported as CSV) into empty copies of the
target tables with the same indexes and foreign keys (the practical limit), and pgloader
loading the raw file into a plain staging table of text columns (what a user might pick
instead). Every figure is the median of BENCH_RUNS runs (default 3); the `psql \\copy` of the
output rows and the bare floor run right after each import at the judged worker count, so that
the two alternate and drift on a shared machine reaches both alike.

Usage: bench.py [CASE ...]
CASE: scan golden-components golden-components-aggregated golden-petl xact-raw xact-components
With no case, all of them run and BENCHMARKS.md is written; with cases, their sections go to
standard output only.
"""

import csv
import datetime
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ["BENCH_CLI"]
DRIVER = os.environ["BENCH_DRIVER"]
URL = os.environ["NEXUS_INGEST_DATABASE_URL"]
SCHEMA = "nexus_bench"
DIR = Path(os.environ.get("BENCH_DIR", "/var/tmp/nexus-ingest-bench"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
WORKERS = [int(w) for w in os.environ.get("BENCH_WORKERS", "1 2 4").split()]
GC_ROWS = [int(r) for r in os.environ.get("BENCH_GC_ROWS", "1000000 5000000").split()]
PETL_ROWS = int(os.environ.get("BENCH_PETL_ROWS", "500000"))
XACT_LINES = int(os.environ.get("BENCH_XACT_LINES", "300000"))
XACT_COMPONENTS = int(os.environ.get("BENCH_XACT_COMPONENTS", "300000"))
AGG_ROWS = int(os.environ.get("BENCH_AGG_ROWS", "1000000"))
ALLOC_LINES = int(os.environ.get("BENCH_ALLOC_LINES", "20000"))
ALLOC_COMPONENTS = int(os.environ.get("BENCH_ALLOC_COMPONENTS", "4000"))
ALLOC_GLOBAL_EVERY = 8
SCAN_MB = int(os.environ.get("BENCH_MB", "200"))
CORES = os.cpu_count() or 2
# The workers figure the targets are judged at: the default, one per core.
JUDGED_WORKERS = CORES if CORES in WORKERS else WORKERS[-1]


def log(message):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def psql(sql, schema=True):
    """Runs SQL (one statement, or several without results) in the bench schema; returns its output."""
    command = ["psql", "-X", "-q", "-At", URL, "-v", "ON_ERROR_STOP=1"]
    if schema:
        command += ["-c", f"SET client_min_messages = warning; SET search_path = {SCHEMA}"]
    command += ["-c", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def timed(command, **kwargs):
    start = time.monotonic()
    subprocess.run(command, check=True, **kwargs)
    return time.monotonic() - start


def cli_env(**extra):
    env = dict(os.environ)
    env.update(NEXUS_INGEST_DATABASE_SCHEMA=SCHEMA, NEXUS_INGEST_SPOOL_DIR=str(DIR / "spool"))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def fresh_schema():
    psql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", schema=False)
    subprocess.run([CLI, "migrate"], check=True, env=cli_env(), stdout=subprocess.DEVNULL)


def megabytes(path):
    return path.stat().st_size / 1e6


def data_rows(path):
    """Records after the header (quoted newlines are part of a record)."""
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@dataclass
class AgentRun:
    seconds: float
    rss_mb: float
    plan_seconds: float


def agent_import(route, path, workers):
    """Drop `path` into a fresh agent's `route` directory; time it until SUCCEEDED."""
    drop, spool = DIR / "drop", DIR / "spool"
    shutil.rmtree(drop, ignore_errors=True)
    shutil.rmtree(spool, ignore_errors=True)
    (drop / route).mkdir(parents=True)
    env = cli_env(NEXUS_INGEST_DROP_ROOT=drop, NEXUS_INGEST_WORKERS=workers,
                  NEXUS_INGEST_SETTLE_SECONDS=0, NEXUS_INGEST_LOG_FORMAT="text")
    agent_log, time_file = DIR / "agent.log", DIR / "time.txt"
    subprocess.run(["cat", str(path)], check=True, stdout=subprocess.DEVNULL)  # a warm page cache, as for cat
    psql("CHECKPOINT")
    os.sync()  # what the reset wrote is on disk, not still being written while the agent plans
    with open(agent_log, "w") as out:
        timer = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(time_file), CLI, "run"],
                                 env=env, stdout=out, stderr=out)
    target = drop / route / "upload.csv"
    status_file = Path(str(target) + ".status.json")
    try:
        deadline = time.monotonic() + 120
        while "agent starting" not in agent_log.read_text():
            if timer.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the agent did not start:\n{agent_log.read_text()[-2000:]}")
            time.sleep(0.05)
        start = time.monotonic()
        os.rename(path, target)
        status = ""
        while status not in ("SUCCEEDED", "FAILED"):
            time.sleep(0.05)
            try:
                match = re.search(r'"status"\s*:\s*"([A-Z]+)"', status_file.read_text())
                status = match.group(1) if match else ""
            except FileNotFoundError:
                pass
            if timer.poll() is not None:
                raise SystemExit(f"the agent exited:\n{agent_log.read_text()[-2000:]}")
        seconds = time.monotonic() - start
        if status != "SUCCEEDED":
            raise SystemExit(f"{path.name} failed: {status_file.read_text()}")
    finally:
        # SIGTERM goes to the agent, not to /usr/bin/time (which would leave it running).
        children = subprocess.run(["pgrep", "-P", str(timer.pid)], capture_output=True, text=True).stdout.split()
        for child in children:
            os.kill(int(child), signal.SIGTERM)
        timer.wait()
        if target.exists():
            os.rename(target, path)
        for leftover in drop.glob(f"{route}/upload.csv.*"):
            leftover.unlink()
    rss_kb = int(time_file.read_text().split()[-1])
    planned = [line for line in agent_log.read_text().splitlines() if "job planned" in line]
    milliseconds = re.search(r'\bms="?(\d+)', planned[-1]) if planned else None
    if not milliseconds:
        raise SystemExit(f"no planning time in the agent log:\n{agent_log.read_text()[-2000:]}")
    return AgentRun(seconds, rss_kb / 1024, int(milliseconds.group(1)) / 1000)


def copy_sample(outputs):
    """One `psql \\copy` of the given output rows into empty copies of their tables: seconds, rows."""
    total_seconds, total_rows = 0.0, 0
    for table, where in outputs:
        columns = psql(f"""SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
                           WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'""")
        export = DIR / "output.csv"
        psql(f"\\copy (SELECT {columns} FROM {table} WHERE {where}) TO '{export}' CSV")
        total_rows += int(psql(f"SELECT count(*) FROM {table} WHERE {where}"))
        for statement in table_copy(table):
            psql(statement)
        for constraint in foreign_keys(table):
            psql(f"ALTER TABLE bench_copy ADD {constraint}")
        psql("CHECKPOINT")
        total_seconds += timed(["psql", "-X", "-q", URL, "-v", "ON_ERROR_STOP=1",
                                "-c", f"SET search_path = {SCHEMA}",
                                "-c", f"\\copy bench_copy ({columns}) FROM '{export}' CSV"], stdout=subprocess.DEVNULL)
        psql("DROP TABLE bench_copy")
        export.unlink()
    return total_seconds, total_rows


def table_copy(table):
    """`CREATE TABLE bench_copy (LIKE table …)` statements; a partitioned table's copy is one plain table with
    the parent's indexes plus the primary key on id, as the table had before it was partitioned (a unique key
    on id and the partition column, which stands for that key in a partitioned table, is left out)."""
    kind = psql(f"SELECT relkind FROM pg_class WHERE oid = '{table}'::regclass")
    statements = [f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE {table} INCLUDING ALL)"]
    if kind == "p":
        statements.append("ALTER TABLE bench_copy ADD PRIMARY KEY (id)")
        statements.append("""DO $$ DECLARE k name; BEGIN
            FOR k IN SELECT conname FROM pg_constraint WHERE conrelid = 'bench_copy'::regclass AND contype = 'u'
                     AND conkey[1] = (SELECT attnum FROM pg_attribute WHERE attrelid = 'bench_copy'::regclass AND attname = 'id')
            LOOP EXECUTE format('ALTER TABLE bench_copy DROP CONSTRAINT %I', k); END LOOP; END $$""")
    return statements


def foreign_keys(table):
    """The table's own foreign keys (a key to a partitioned table also has a row per referenced partition, whose
    parent is that key: those are left out)."""
    return psql(f"""SELECT pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = '{table}'::regclass AND contype = 'f' AND conparentid = 0""").splitlines()


def bare_copy_sample(outputs):
    """The floor of building apart: `psql \copy` of the output rows into bare tables (no index, no key), then
    building the same primary and unique keys, indexes and foreign keys, in one psql run; seconds."""
    total_seconds = 0.0
    for table, where in outputs:
        columns = psql(f"""SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
                           WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'""")
        export = DIR / "output.csv"
        psql(f"\\copy (SELECT {columns} FROM {table} WHERE {where}) TO '{export}' CSV")
        for statement in table_copy(table):
            psql(statement)
        build = [line + ";" for line in psql(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'bench_copy'::regclass").splitlines()]
        build += [f"ALTER TABLE bench_copy ADD {constraint};" for constraint in foreign_keys(table)]
        script = DIR / "build.sql"
        script.write_text(f"SET search_path = {SCHEMA};\n\\copy bench_copy ({columns}) FROM '{export}' CSV\n"
                          + "\n".join(build) + "\n")
        strip_copy()
        psql("CHECKPOINT")
        total_seconds += timed(["psql", "-X", "-q", URL, "-v", "ON_ERROR_STOP=1", "-f", str(script)],
                               stdout=subprocess.DEVNULL)
        psql("DROP TABLE bench_copy")
        export.unlink()
        script.unlink()
    return total_seconds


def strip_copy():
    """Drops every key, index and foreign key of bench_copy."""
    # A key to a partitioned table has a derived constraint per partition (conparentid set),
    # which goes with its parent and cannot be dropped on its own.
    for name in psql("""SELECT conname FROM pg_constraint WHERE conrelid = 'bench_copy'::regclass
                        AND contype IN ('p', 'u', 'f') AND conparentid = 0 ORDER BY contype = 'f' DESC""").splitlines():
        psql(f"ALTER TABLE bench_copy DROP CONSTRAINT {name}")
    for name in psql("SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'bench_copy'::regclass").splitlines():
        psql(f"DROP INDEX {name}")


def raw_copy_baseline(path):
    """Median `psql \copy` of the raw file (header skipped) into a table of text columns."""
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        width = len(next(csv.reader(f)))
    columns = ", ".join(f"c{i} text" for i in range(1, width + 1))
    psql(f"DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw ({columns})")
    samples = []
    for _ in range(RUNS):
        psql("TRUNCATE bench_raw; CHECKPOINT")
        samples.append(timed(["psql", "-X", "-q", URL, "-v", "ON_ERROR_STOP=1", "-c", f"SET search_path = {SCHEMA}",
                              "-c", f"\\copy bench_raw FROM '{path}' CSV HEADER"], stdout=subprocess.DEVNULL))
    rows = int(psql("SELECT count(*) FROM bench_raw"))
    psql("DROP TABLE bench_raw")
    return statistics.median(samples), rows


def cat_baseline(path):
    return statistics.median(timed(["cat", str(path)], stdout=subprocess.DEVNULL) for _ in range(RUNS))


def pgloader_url():
    """pgloader's spelling of the database URL (it has its own form for a Unix socket)."""
    match = re.fullmatch(r"postgres(?:ql)?:///([^?]+)\?host=(/[^&]+)", URL)
    if match:
        user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        return f"postgresql://{user}@unix:{match.group(2)}:5432/{match.group(1)}"
    return URL


def pgloader_baseline(path, rows):
    """Median time of pgloader loading the raw file into a plain table of text columns."""
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        width = len(next(csv.reader(f)))
    columns = ", ".join(f"c{i} text" for i in range(1, width + 1))
    psql(f"DROP TABLE IF EXISTS public.bench_pgloader; CREATE TABLE public.bench_pgloader ({columns})", schema=False)
    command_file = DIR / "pgloader.load"
    command_file.write_text(
        f"LOAD CSV FROM '{path}'\n"
        f"  INTO {pgloader_url()}?tablename=bench_pgloader\n"
        "  WITH skip header = 1, fields optionally enclosed by '\"', fields escaped by double-quote,\n"
        "       fields terminated by ',';\n")
    samples = []
    for _ in range(RUNS):
        psql("TRUNCATE public.bench_pgloader; CHECKPOINT", schema=False)
        samples.append(timed(["pgloader", "--quiet", str(command_file)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL))
    loaded = int(psql("SELECT count(*) FROM public.bench_pgloader", schema=False))
    psql("DROP TABLE public.bench_pgloader", schema=False)
    return statistics.median(samples), loaded


@dataclass
class Section:
    """One importer's results, and the figures the targets are judged by."""
    title: str
    path: Path
    input_rows: int
    cat_s: float = 0
    copy_s: float = 0
    copy_rows: int = 0
    copy_what: str = ""
    bare_s: float = 0  # the output rows copied into bare tables, then indexed and keyed
    pgloader_s: float = 0
    pgloader_rows: int = 0
    runs: dict = field(default_factory=dict)  # label -> {workers: [AgentRun]}
    own_copy: dict = field(default_factory=dict)  # label -> (seconds, rows) when its output differs
    notes: list = field(default_factory=list)

    def median(self, workers, label="agent"):
        return statistics.median(r.seconds for r in self.runs[label][workers])

    def copy_seconds(self, label="agent"):
        return self.own_copy.get(label, (self.copy_s, self.copy_rows))[0]

    def rss(self, workers, label="agent"):
        return max(r.rss_mb for r in self.runs[label][workers])

    def planning_mb_s(self):
        plans = [r.plan_seconds for by in self.runs.values() for rs in by.values() for r in rs]
        return megabytes(self.path) / statistics.median(plans)

    def markdown(self):
        mb = megabytes(self.path)
        lines = [f"## {self.title}", "",
                 f"`{self.path.name}`: {self.input_rows:,} data rows, {mb:.0f} MB. "
                 f"Medians of {RUNS} runs; every run's seconds in the last column.", "",
                 "| what | workers | seconds | rows/s | MB/s | ratio to `psql \\copy` | peak RSS MB | planning MB/s | runs (s) |",
                 "|---|---|---|---|---|---|---|---|---|"]

        def row(what, workers, seconds, rss="", planning="", runs=""):
            lines.append(f"| {what} | {workers} | {seconds:.2f} | {self.input_rows / seconds:,.0f} | {mb / seconds:.0f} | "
                         f"{seconds / self.copy_s:.2f}× | {rss} | {planning} | {runs} |")

        row("`cat FILE > /dev/null`", "", self.cat_s)
        if self.copy_what.startswith("raw file"):
            lines.append(f"| `psql \\copy` of the {self.copy_rows:,} rows of the {self.copy_what} | 1 | "
                         f"{self.copy_s:.2f} | {self.copy_rows / self.copy_s:,.0f} | | 1.00× | | | |")
        else:
            lines.append(f"| `psql \\copy` of the {self.copy_rows:,} output rows ({self.copy_what}) | 1 | {self.copy_s:.2f} | "
                         f"{self.copy_rows / self.copy_s:,.0f} out | | 1.00× | | | |")
        if self.bare_s:
            lines.append(f"| … into bare tables, then the same keys, indexes and foreign keys built | 1 | {self.bare_s:.2f} | "
                         f"{self.copy_rows / self.bare_s:,.0f} out | | {self.bare_s / self.copy_s:.2f}× | | | |")
        loaded = "" if self.pgloader_rows == self.input_rows else f" ({self.pgloader_rows:,} rows loaded)"
        row(f"pgloader, raw file into a text staging table{loaded}", "", self.pgloader_s)
        for label, by_workers in self.runs.items():
            what = "nexus-ingest agent, drop → SUCCEEDED" if label == "agent" else label
            if label in self.own_copy:
                seconds, rows = self.own_copy[label]
                lines.append(f"| `psql \\copy` of its {rows:,} output rows | 1 | {seconds:.2f} | {rows / seconds:,.0f} out | "
                             "| 1.00× | | | |")
            for workers, runs in by_workers.items():
                plan = statistics.median(r.plan_seconds for r in runs)
                median = statistics.median(r.seconds for r in runs)
                lines.append(f"| {what} | {workers} | {median:.2f} | {self.input_rows / median:,.0f} | {mb / median:.0f} | "
                             f"{median / self.copy_seconds(label):.2f}× | {max(r.rss_mb for r in runs):.0f} | "
                             f"{mb / plan:.0f} | {', '.join(f'{r.seconds:.1f}' for r in runs)} |")
        lines += [""] + self.notes + ([""] if self.notes else [])
        return "\n".join(lines)


def measure(section, label, route, workers_list, reset, outputs=None):
    """Runs the agent imports (reset before each). With `outputs`, each import at the judged worker count is
    followed by one run of each baseline on its output rows, so that imports and baselines alternate: on
    these shared machines the same `psql \\copy` took 16.9 s and 22.9 s minutes apart, and a ratio of two
    medians taken minutes apart carried that drift. The baselines' medians are the section's (label
    "agent": `\\copy` and bare floor) or the label's own `\\copy` (an import whose output differs)."""
    section.runs.setdefault(label, {})
    copies, bares, rows = [], [], 0
    for workers in workers_list:
        for attempt in range(RUNS):
            reset()
            run = agent_import(route, section.path, workers)
            log(f"{section.title}: {label}, {workers} workers, run {attempt + 1}: {run.seconds:.2f} s, "
                f"planning {run.plan_seconds:.2f} s, RSS {run.rss_mb:.0f} MB")
            section.runs[label].setdefault(workers, []).append(run)
            if outputs and workers == JUDGED_WORKERS:
                seconds, rows = copy_sample(outputs)
                copies.append(seconds)
                bare = bare_copy_sample(outputs) if label == "agent" else None
                if bare is not None:
                    bares.append(bare)
                log(f"{section.title}: then psql \\copy {seconds:.2f} s ({rows} rows)"
                    + (f", into bare tables and then built {bare:.2f} s" if bare is not None else ""))
    if not copies:
        return
    if label == "agent":
        section.copy_s, section.copy_rows = statistics.median(copies), rows
        section.copy_what = ", ".join(table for table, _ in outputs)
        section.bare_s = statistics.median(bares)
    else:
        section.own_copy[label] = (statistics.median(copies), rows)


def baselines(section):
    """`cat` and pgloader of the section's file."""
    section.cat_s = cat_baseline(section.path)
    section.pgloader_s, section.pgloader_rows = pgloader_baseline(section.path, section.input_rows)
    log(f"{section.title}: cat {section.cat_s:.2f} s, pgloader {section.pgloader_s:.2f} s")


def measured(section, route, reset, outputs):
    """The agent imports with every worker count, and all the baselines."""
    measure(section, "agent", route, WORKERS, reset, outputs)
    baselines(section)
    return section


def generated(name, *arguments):
    path = DIR / name
    if not path.exists() or path.stat().st_size == 0:
        log(f"generating {name}")
        subprocess.run([DRIVER, *arguments, str(path)], check=True)
    return path


def golden_components(rows):
    path = generated(f"legacy-components-{rows}.csv", "generate-legacy-components", str(rows))
    items = DIR / "golden-items.tsv"
    subprocess.run([DRIVER, "golden-items", str(items)], check=True)
    section = Section(f"Golden Components, {rows:,} rows", path, rows)

    def reset():
        golden_list(items)
    return measured(section, "golden-components", reset, [("price_list_component", "true")])


def golden_list(items):
    """A fresh schema with an active Golden list of the generated items."""
    fresh_schema()
    psql("""INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'bench', 1, true);
            CREATE TABLE bench_items (cat text, sel text, activity text, description text, canonical_key_hash text)""")
    psql(f"\\copy bench_items FROM '{items}'")
    psql("""INSERT INTO price_list_item (price_list_id, cat, sel, activity, description, canonical_key_hash)
            SELECT (SELECT id FROM price_list), * FROM bench_items;
            DROP TABLE bench_items; ANALYZE""")


def golden_components_aggregated():
    """The Xactimate layout (`Code` only) with about 89 rows per component: 1M rows, 15,000 components."""
    path = generated(f"aggregated-components-{AGG_ROWS}.csv", "generate-aggregated-components", str(AGG_ROWS))
    items = DIR / "golden-items.tsv"
    subprocess.run([DRIVER, "golden-items", str(items)], check=True)
    section = Section(f"Golden Components, aggregation-heavy, {AGG_ROWS:,} rows", path, AGG_ROWS,
                      notes=["The baseline is `psql \\copy` of the raw file into a table of text columns: "
                             "reading and storing the rows once, without combining them."])

    def reset():
        golden_list(items)
    measure(section, "agent", "golden-components", WORKERS, reset)
    section.copy_s, section.copy_rows = raw_copy_baseline(path)
    section.copy_what = "raw file into a table of text columns"
    section.notes.append(f"The import's output: {int(psql('SELECT count(*) FROM price_list_component')):,} components.")
    baselines(section)
    return section


def golden_petl():
    path = generated(f"golden-petl-{PETL_ROWS}.csv", "generate-petl", str(PETL_ROWS))
    section = Section(f"Golden PETL, {PETL_ROWS:,} rows", path, PETL_ROWS)
    active = ("price_list_item", "price_list_id = (SELECT id FROM price_list WHERE kind = 'GOLDEN' AND is_active)")
    measure(section, "agent", "golden-petl/replace", WORKERS, fresh_schema, [active])

    # The revision to merge over: a longer export of the same generator (a different file,
    # or the agent would take the drop as a duplicate), so every row of the merged file
    # updates an item, and the extra 5,000 items are carried forward.
    base = generated(f"golden-petl-{PETL_ROWS + 5000}.csv", "generate-petl", str(PETL_ROWS + 5000))

    def replaced():
        fresh_schema()
        subprocess.run([CLI, "import", str(base), "--type", "golden-petl", "--mode", "replace"], check=True,
                       env=cli_env(), stdout=subprocess.DEVNULL)
    label = f"nexus-ingest agent, merged over a revision from `{base.name}`"
    measure(section, label, "golden-petl", [JUDGED_WORKERS], replaced, [active])
    baselines(section)
    return section


def xact_files(lines=XACT_LINES, components_rows=XACT_COMPONENTS, global_every=None):
    suffix = f"-g{global_every}" if global_every else ""
    raw = DIR / f"xact-raw-{lines}.csv"
    components = DIR / f"xact-components-{lines}-{components_rows}{suffix}.csv"
    if not (raw.exists() and components.exists()):
        log(f"generating the XACT files {raw.name}, {components.name}")
        subprocess.run([DRIVER, "generate-xact", str(lines), str(components_rows), str(raw), str(components)]
                       + ([str(global_every)] if global_every else []), check=True)
    return raw, components


def xact_project():
    fresh_schema()
    psql("""WITH c AS (INSERT INTO company (name) VALUES ('bench') RETURNING id)
            INSERT INTO project (company_id, code) SELECT id, 'BENCH' FROM c""")


def xact_raw():
    raw, _ = xact_files()
    section = Section(f"XACT raw estimate, {XACT_LINES:,} lines", raw, data_rows(raw),
                      notes=["Finalize (units, particles, logical items, SOW, SOW items, the syncs) is included."])
    return measured(section, "xact-raw/BENCH", xact_project,
                    [("raw_xact_row", "true"), ("sow_logical_item", "true"), ("sow_item", "true")])


def xact_components(lines=XACT_LINES, components_rows=XACT_COMPONENTS, global_every=None):
    raw, components = xact_files(lines, components_rows, global_every)
    if global_every:
        title = (f"XACT components, allocation-heavy: {components_rows:,} rows over a {lines:,}-line estimate, "
                 f"one in {global_every} allocated globally")
        note = (f"One component in {global_every} names no Cat of the estimate and falls back to the global allocation "
                "(legacy rule: one row per SOW item), so the allocation writes most of the output rows.")
    else:
        title = f"XACT components, {components_rows:,} rows over a {lines:,}-line estimate"
        note = "The allocation to SOW items (in finalize) is included."
    section = Section(title, components, data_rows(components), notes=[note])
    xact_project()
    subprocess.run([CLI, "import", str(raw), "--type", "xact-raw", "--project", "BENCH"], check=True,
                   env=cli_env(), stdout=subprocess.DEVNULL)

    def reset():
        tables = psql("""SELECT string_agg(c.relname, ', ') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                         WHERE i.inhparent = 'sow_component_allocation'::regclass""")
        psql(f"""{f'DROP TABLE {tables};' if tables else ''}
                 TRUNCATE sow_component_allocation, component_summary, raw_component_row;
                 UPDATE estimate_version SET components_import_job_id = NULL;
                 DELETE FROM import_job WHERE type = 'XACT_COMPONENTS'""")
    return measured(section, "xact-components/BENCH", reset,
                    [("raw_component_row", "true"), ("component_summary", "true"), ("sow_component_allocation", "true")])


def scan():
    rows = SCAN_MB * 1_000_000 // 83  # about 83 bytes a row in this layout
    path = generated(f"components-{rows}.csv", "generate-components", str(rows))
    cat_s = cat_baseline(path)
    wc_s = statistics.median(timed(["wc", "-l", str(path)], stdout=subprocess.DEVNULL) for _ in range(RUNS))
    scans = [subprocess.run([DRIVER, "scan", str(path)], check=True, capture_output=True, text=True).stdout
             for _ in range(RUNS)]
    scan_s = statistics.median(float(re.search(r"seconds=([0-9.]+)", s).group(1)) for s in scans)
    records = re.search(r"records=(\d+)", scans[0]).group(1)
    mb = megabytes(path)
    lines = ["## The CSV scanner alone", "",
             f"`{path.name}`: {mb:.0f} MB, {int(records):,} records, cached; medians of {RUNS} runs. The "
             "scanner splits records and fields and validates UTF-8 on one core.", "",
             "| what | seconds | MB/s |", "|---|---|---|"]
    for what, seconds in [("`cat FILE > /dev/null`", cat_s), ("`wc -l FILE`", wc_s), ("nexus-ingest CSV scanner", scan_s)]:
        lines.append(f"| {what} | {seconds:.3f} | {mb / seconds:.0f} |")
    return "\n".join(lines) + "\n", mb / scan_s


def verdict(ok):
    return "met" if ok else "**not met**"


def targets(sections):
    """The issue's targets, judged from this run's figures."""
    w = JUDGED_WORKERS
    rows = ["## Targets", "", f"Judged at {w} workers (the default, one per core) unless the line says otherwise.", "",
            "| target | this run | |", "|---|---|---|"]

    def line(what, ratio, limit):
        rows.append(f"| {what} | {ratio:.2f}× | {verdict(ratio <= limit)} |")
    components = [s for s in sections if s.title.startswith("Golden Components") and "aggregation" not in s.title]
    for s in sections:
        ratio = s.median(w) / s.copy_s
        if s in components:
            line(f"{s.title}: at most 0.4× `psql \\copy` of its output rows", ratio, 0.4)
            line(f"{s.title}: at most 1.3× `psql \\copy` into bare tables plus building keys and indexes",
                 s.median(w) / s.bare_s, 1.3)
        elif "aggregation" in s.title:
            line(f"{s.title}: at most 1.5× `psql \\copy` of the raw file", ratio, 1.5)
        else:
            for label in s.runs:
                what = s.title if label == "agent" else f"{s.title}, merge"
                line(f"{what}: at most 0.6× `psql \\copy` of its output rows", s.median(w, label) / s.copy_seconds(label), 0.6)
    for s in sections:
        planning = s.planning_mb_s()
        rows.append(f"| {s.title}: planning at least 300 MB/s | {planning:.0f} MB/s | {verdict(planning >= 300)} |")
    peak = max(s.rss(workers, label) for s in sections for label in s.runs for workers in s.runs[label])
    rows.append(f"| Peak RSS below 150 MB (every agent run above) | {peak:.0f} MB | {verdict(peak < 150)} |")
    if len(components) >= 2:
        small, large = components[0], components[-1]
        small_rate = small.input_rows / small.median(w)
        large_rate = large.input_rows / large.median(w)
        rate_change = large_rate / small_rate - 1
        rows.append(f"| {large.title} within 10% of {small.title}: rows/s | {large_rate:,.0f} vs {small_rate:,.0f} "
                    f"({rate_change:+.0%}) | {verdict(rate_change >= -0.10)} |")
    return "\n".join(rows) + "\n"


def machine():
    def first(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, shell=True).stdout.strip().splitlines()[0]
        except (IndexError, OSError):
            return "?"
    settings = psql("""SELECT string_agg(name || ' = ' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings
                       WHERE name IN ('shared_buffers', 'max_wal_size', 'wal_level', 'synchronous_commit', 'fsync', 'work_mem')""",
                    schema=False)
    commit = first(f"git -C {ROOT} rev-parse --short HEAD")
    cpu = first("lscpu | sed -n 's/^Model name: *//p'")
    memory = first("free -g | awk '/Mem:/ {print $2}'")
    return "\n".join([
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit `{commit}`; release build.",
        f"- Machine: {CORES} cores ({cpu}), {memory} GiB; shared with other work, so absolute times are noise "
        "and the ratios (measured in one run) are the result.",
        f"- PostgreSQL: {psql('SHOW server_version', schema=False)} on the same machine over a Unix socket; {settings}.",
        "- The agent ran with `settle_seconds: 0`: the default 2 s settle time is a deliberate wait for uploads that "
        "are still being written, not work; a renamed-in file is complete at once.",
    ])


def main():
    cases = sys.argv[1:] or ["scan", "golden-components", "golden-components-aggregated", "golden-petl", "xact-raw",
                             "xact-components", "xact-components-allocation"]
    DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    parts, sections = [], []
    for case in cases:
        if case == "scan":
            text, _ = scan()
            parts.append(text)
        elif case == "golden-components":
            for rows in GC_ROWS:
                sections.append(golden_components(rows))
                parts.append(sections[-1].markdown())
        elif case == "golden-components-aggregated":
            sections.append(golden_components_aggregated())
            parts.append(sections[-1].markdown())
        elif case == "golden-petl":
            sections.append(golden_petl())
            parts.append(sections[-1].markdown())
        elif case == "xact-raw":
            sections.append(xact_raw())
            parts.append(sections[-1].markdown())
        elif case == "xact-components":
            sections.append(xact_components())
            parts.append(sections[-1].markdown())
        elif case == "xact-components-allocation":
            sections.append(xact_components(ALLOC_LINES, ALLOC_COMPONENTS, ALLOC_GLOBAL_EVERY))
            parts.append(sections[-1].markdown())
        else:
            raise SystemExit(f"unknown case {case}; cases: scan golden-components golden-components-aggregated "
                             "golden-petl xact-raw xact-components xact-components-allocation")
    psql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", schema=False)
    body = "\n".join(parts)
    if sections:
        body = targets(sections) + "\n" + body
    if sys.argv[1:]:
        print(body)
        return
    minutes = (time.monotonic() - started) / 60
    text = "\n".join([
        "# Benchmarks", "",
        f"Written by `scripts/bench` ({minutes:.0f} minutes). Every import went through the agent's own path: "
        "an agent started on a private drop root, the file renamed into its route directory, timed until its "
        "status file said SUCCEEDED; peak RSS is the agent's (`/usr/bin/time`), planning MB/s the agent's own "
        "\"job planned\" figure (scan, hash, validate, write chunks, commit the plan). Beside it, on the same "
        "file in the same run: `cat` (the read limit), `psql \\copy` of the import's output rows into empty "
        "copies of the target tables with the same indexes and foreign keys (the practical limit), and "
        "pgloader loading the raw file into a table of text columns. Each `psql \\copy` of the output rows "
        "(and the bare floor) runs right after one of the imports it is compared with, on that import's "
        "output, so imports and baselines alternate.", "",
        machine(), "", body])
    (ROOT / "BENCHMARKS.md").write_text(text)
    log(f"wrote BENCHMARKS.md in {minutes:.0f} minutes")


if __name__ == "__main__":
    main()
