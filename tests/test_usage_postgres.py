"""A LiteLLM gateway's database: a real PostgreSQL server (one per session, Unix socket only) with LiteLLM's tables.

The server roll-up must equal the file roll-up of the same rows, the kit must not be able to write, and a bad address,
a refused connection, a wrong password, a missing table or a connection lost mid-read give one clear line.
"""

import csv
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pytest
from psycopg.types.json import Jsonb

from tokenomics.usage import ROLLUP_SQL_PATH, UsageFormatError, read_only_connection, read_usage

SCHEMA_SQL = Path(__file__).with_name("litellm_schema.sql")
PASSWORD = "reader-secret"
PORT = 5432
START = datetime(2026, 11, 1)
MODELS = [("claude-sonnet-4-5-20250929", "anthropic"), ("gemini/gemini-2.5-flash", "gemini"),
          ("together_ai/openai/gpt-oss-120b", ""), ("gpt-5-mini", "openai")]
TEAMS = ["team-search", "team-support", "team-agents", "", None]


def _server_binary(name: str) -> str | None:
    """A PostgreSQL server program from PATH, else from Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(candidates[-1]) if candidates else None


@pytest.fixture(scope="session")
def postgres_socket_dir():
    """Start a throw-away PostgreSQL server listening only on a Unix socket in a temporary folder; stop it after."""
    initdb, pg_ctl = _server_binary("initdb"), _server_binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("PostgreSQL server programs (initdb, pg_ctl) are neither on PATH nor under "
                    "/usr/lib/postgresql/*/bin: install PostgreSQL (Debian: apt-get install postgresql) to run the "
                    "gateway-database tests", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="tokenomics-pg-"))
    as_postgres = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    try:
        subprocess.run([*as_postgres, initdb, "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C",
                        "--auth-local=trust", "--no-sync"], check=True, capture_output=True)
        # the kit's role logs in with a password; the fixture's own superuser connections are trusted
        (data / "pg_hba.conf").write_text("local all reader scram-sha-256\nlocal all all trust\n")
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
                        f"-c listen_addresses='' -k {root} -p {PORT} -c fsync=off", "start"],
                       check=True, capture_output=True)
        yield root
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def spend_log_rows(count: int = 240, seed: int = 5) -> list[dict]:
    """Synthetic LiteLLM_SpendLogs rows over two weeks: cache reads and 5-minute / 1-hour writes in metadata, spends in
    exact binary fractions (so sums agree to the bit in any order), input sizes on and around the band edges."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        model, provider = MODELS[i % len(MODELS)]
        prompt = (int(rng.choice([31_999, 32_000, 32_001, 199_999, 200_000, 200_001, 600_000])) if i % 7 == 0
                  else int(rng.integers(20, 30_000)))
        completion = int(rng.integers(1, 4_000))
        read = int(prompt * rng.choice([0.0, 0.5]))
        write = int((prompt - read) * rng.choice([0.0, 0.25])) if provider == "anthropic" else 0
        write_1h = write // 2 if i % 3 == 0 else 0
        if provider == "anthropic":
            usage = {"prompt_tokens": prompt, "cache_read_input_tokens": read, "cache_creation_input_tokens": write,
                     "prompt_tokens_details": {"cached_tokens": read, "cache_creation_token_details": {
                         "ephemeral_5m_input_tokens": write - write_1h, "ephemeral_1h_input_tokens": write_1h}}}
        else:
            usage = {"prompt_tokens": prompt, "prompt_tokens_details": {"cached_tokens": read}}
        metadata = ({} if i % 11 == 0 else {"usage_object": None} if i % 13 == 0 and read == 0
                    else {"user_api_key_alias": "svc", "usage_object": usage})
        start = START + timedelta(minutes=int(rng.integers(0, 14 * 24 * 60)), milliseconds=int(rng.integers(0, 1000)))
        rows.append({"request_id": f"req-{i}", "call_type": "acompletion", "api_key": f"key-{i % 3}",
                     "spend": int(rng.integers(0, 4096)) / 2**20, "total_tokens": prompt + completion,
                     "prompt_tokens": prompt, "completion_tokens": completion, "startTime": start,
                     "endTime": start + timedelta(seconds=2), "model": model, "custom_llm_provider": provider,
                     "team_id": TEAMS[i % len(TEAMS)], "metadata": metadata})
    return rows


def daily_team_spend_rows() -> list[dict]:
    """Synthetic LiteLLM_DailyTeamSpend rows: two weeks, two teams, two keys of one team on the same model and day."""
    rows = []
    for day in range(14):
        for j, (team, key, model, provider) in enumerate([
                ("team-support", "key-a", "claude-sonnet-4-5-20250929", "anthropic"),
                ("team-support", "key-b", "claude-sonnet-4-5-20250929", "anthropic"),
                ("team-search", "key-c", "gemini-2.5-flash", "gemini")]):
            prompt = 1_000_000 + 10_000 * day + 1_000 * j
            rows.append({"id": f"d-{day}-{j}", "team_id": team, "date": f"2026-11-{day + 1:02d}", "api_key": key,
                         "model": model, "custom_llm_provider": provider, "prompt_tokens": prompt,
                         "completion_tokens": 50_000 + day, "cache_read_input_tokens": prompt // 2,
                         "cache_creation_input_tokens": prompt // 10 if provider == "anthropic" else 0,
                         "spend": (day + j) / 8, "api_requests": 400 + day, "successful_requests": 400 + day,
                         "failed_requests": 0, "updated_at": START})
    return rows


def _insert(conn, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with conn.cursor() as cur:
        cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                        [[Jsonb(r[c]) if c == "metadata" else r[c] for c in columns] for r in rows])


def _write_csv(path: Path, rows: list[dict]) -> Path:
    """The rows as LiteLLM's CSV export would hold them: metadata as JSON text, times as ISO 8601 in UTC."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: json.dumps(v) if k == "metadata" else
                             f"{v:%Y-%m-%dT%H:%M:%S.%f}Z" if isinstance(v, datetime) else v for k, v in r.items()})
    return path


@pytest.fixture(scope="session")
def gateway(postgres_socket_dir, tmp_path_factory):
    """A LiteLLM database ("gateway") with both tables filled, a role 'reader' allowed to SELECT and INSERT, and the
    same rows as CSV files. Returns a dict of DSNs and paths."""
    admin = {"host": str(postgres_socket_dir), "port": PORT, "user": "postgres"}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'")
        conn.execute("CREATE DATABASE gateway")
    spend_logs, daily = spend_log_rows(), daily_team_spend_rows()
    with psycopg.connect(dbname="gateway", autocommit=True, **admin) as conn:
        conn.execute(SCHEMA_SQL.read_text())
        conn.execute("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO reader")
        _insert(conn, "LiteLLM_SpendLogs", spend_logs)
        _insert(conn, "LiteLLM_DailyTeamSpend", daily)
    files = tmp_path_factory.mktemp("litellm_exports")
    return {
        "dsn": f"postgresql://reader:{PASSWORD}@/gateway?host={postgres_socket_dir}&port={PORT}",
        "admin": admin,
        "spend_logs_csv": _write_csv(files / "spend_logs.csv", spend_logs),
        "daily_csv": _write_csv(files / "daily.csv", daily),
        "spend_logs": spend_logs,
    }


def test_server_roll_up_equals_the_file_roll_up_of_the_same_rows(gateway):
    on_server = read_usage(gateway["dsn"])
    from_file = read_usage(gateway["spend_logs_csv"])
    pd.testing.assert_frame_equal(on_server, from_file, check_exact=True)
    rows = gateway["spend_logs"]
    assert on_server["requests"].sum() == len(rows) == 240
    assert on_server[["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens"]].sum().sum() \
        == sum(r["prompt_tokens"] for r in rows)
    assert set(on_server["input_band_tokens"]) >= {0, 32_000, 199_999, 200_000, 524_288}
    assert on_server["input_cache_write_1h_tokens"].sum() > 0 and set(on_server["team"]) >= {"no team"}
    assert set(on_server["provider"]) == {"anthropic", "gemini", "together_ai", "openai"}


def test_daily_team_spend_table_rolls_up_like_its_file(gateway):
    on_server = read_usage(gateway["dsn"], table="daily")
    pd.testing.assert_frame_equal(on_server, read_usage(gateway["daily_csv"]), check_exact=True)
    support = on_server[on_server["team"] == "team-support"].set_index("date").loc["2026-11-01"]
    # keys a and b on day 1: prompt 1,000,000 + 1,001,000, of which half read and a tenth written; 400 requests each
    assert support[["requests", "input_cache_read_tokens", "input_cache_write_tokens"]].tolist() == \
        [800, 500_000 + 500_500, 100_000 + 100_100]
    assert support["input_uncached_tokens"] == 2_001_000 * 0.4 and support["recorded_usd"] == 0 + 1 / 8


def test_the_shipped_sql_file_runs_as_it_is_on_postgres_and_duckdb(gateway):
    with psycopg.connect(gateway["dsn"]) as conn:
        cursor = conn.execute(ROLLUP_SQL_PATH.read_text())
        on_server = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
    con = duckdb.connect()  # as a company would: its export loaded as a table, types as DuckDB guesses them
    con.execute("SET TimeZone = 'UTC'")
    con.read_csv(str(gateway["spend_logs_csv"])).create("LiteLLM_SpendLogs")
    in_duckdb = con.execute(ROLLUP_SQL_PATH.read_text()).df()
    expected = read_usage(gateway["dsn"])
    for frame in (on_server, in_duckdb):
        frame["date"] = pd.to_datetime(frame["date"])
        pd.testing.assert_frame_equal(frame.astype(expected.dtypes).sort_values(list(expected.columns[:4]) + [
            "input_band_tokens"], ignore_index=True), expected)


def test_the_kit_cannot_write_through_its_connection(gateway):
    row = ("req-x", "acompletion", START, START)
    insert = 'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime") VALUES (%s, %s, %s, %s)'
    with read_only_connection(gateway["dsn"]) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(insert, row)
    with psycopg.connect(gateway["dsn"]) as conn:  # the role itself may insert: the read-only transaction stops it
        conn.execute(insert, row)
        conn.rollback()


@pytest.mark.parametrize("dsn, message", [
    ("postgresql://reader:hunter2@[bad/gateway", "not a valid PostgreSQL address"),
    ("postgresql://reader:hunter2@127.0.0.1:1/gateway", "could not connect: .*Connection refused"),
])
def test_unreachable_databases_give_one_line_naming_the_masked_dsn(dsn, message):
    with pytest.raises(UsageFormatError, match=message) as raised:
        read_usage(dsn)
    text = str(raised.value)
    assert "\n" not in text and "hunter2" not in text and "reader:***@" in text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_wrong_password_and_missing_table(gateway):
    wrong = gateway["dsn"].replace(PASSWORD, "not-the-password")
    with pytest.raises(UsageFormatError, match='could not connect: .*password authentication failed for user "reader"'
                       ) as raised:
        read_usage(wrong)
    assert "not-the-password" not in str(raised.value) and "reader:***@" in str(raised.value)
    no_litellm = gateway["dsn"].replace("/gateway?", "/postgres?")
    with pytest.raises(UsageFormatError, match='reader:\\*\\*\\*@/postgres.*table "LiteLLM_DailyTeamSpend" not found'):
        read_usage(no_litellm, table="daily")


def test_a_connection_lost_mid_read_raises_and_returns_nothing(gateway):
    """Hold a lock so the kit's read waits on the server, kill its backend there, and expect an error, no table."""
    outcome = {}

    def read():
        try:
            outcome["table"] = read_usage(gateway["dsn"])
        except UsageFormatError as err:
            outcome["error"] = err

    with psycopg.connect(dbname="gateway", **gateway["admin"]) as locker, \
            psycopg.connect(dbname="gateway", autocommit=True, **gateway["admin"]) as admin:
        locker.execute('LOCK TABLE "LiteLLM_SpendLogs" IN ACCESS EXCLUSIVE MODE')
        reader = threading.Thread(target=read)
        reader.start()
        waiting = []
        for _ in range(200):
            waiting = admin.execute("SELECT pid FROM pg_stat_activity WHERE usename = 'reader' "
                                    "AND wait_event_type = 'Lock'").fetchall()
            if waiting:
                break
            time.sleep(0.02)
        assert waiting, "the kit's read never reached the server"
        admin.execute("SELECT pg_terminate_backend(%s)", waiting[0])
        reader.join(timeout=30)
        locker.rollback()
    assert "table" not in outcome
    assert "lost the connection while reading \"LiteLLM_SpendLogs\"" in str(outcome["error"])
    assert "reader:***@" in str(outcome["error"]) and "\n" not in str(outcome["error"])

