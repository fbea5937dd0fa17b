"""A PostgREST-speaking test peer, backed by a real PostgreSQL.

Usage (inside a trio test or fixture)::

    async with trio.open_nursery() as nursery:
        peer = await nursery.start(serve_postgrest, dsn)     # 127.0.0.1, free port
        client = await acreate_client(peer.url, peer.api_key, options)
        peer.fail_next(2, status=503)    # the next two requests get a 503
        peer.drop_next(1)                # the next one: connection closed, no answer
        peer.garble_next(1)              # the next one: 200 with malformed JSON
        peer.delay = 0.5                 # every request waits first
        peer.stop()                      # down: connections refused, open ones closed
        await peer.start()               # up again, same port
        assert peer.requests[-1].path == "/rest/v1/rpc/search_book_passages"
        nursery.cancel_scope.cancel()

No PostgREST binary can be installed on these machines, so this peer
implements the subset of PostgREST's documented query syntax that the store
uses, translated to parameterised SQL (values are never spliced into SQL
text; identifiers are checked against the catalog and quoted):

- ``GET /rest/v1/<table>?select=a,b&col=eq.v&col=in.(v,w)&order=c.desc&limit=n``
  with operators ``eq neq lt lte gt gte in is``;
- ``POST`` inserts, with ``Prefer: return=representation`` and
  ``resolution=merge-duplicates|ignore-duplicates`` plus ``on_conflict``;
- ``PATCH`` and ``DELETE`` with the same filters;
- ``POST /rest/v1/rpc/<function>`` with JSON named arguments;
- ``Accept: application/vnd.pgrst.object+json`` (406 ``PGRST116`` unless
  exactly one row).

Anything else is answered with a loud 400, ``"unsupported by test peer: ..."``,
so the store cannot drift into syntax nobody checked. Errors come back as
PostgREST's ``{"code", "message", "details", "hint"}`` with its status codes
(``23503``/``23505`` -> 409, ``22P02`` -> 400, ``PTxxx`` -> xxx, ...). Each
request runs in one transaction as ``service_role``, like PostgREST with the
service key, so the migration's grants are exercised too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11
import psycopg
import trio
from psycopg import sql

__all__ = ["PostgrestPeer", "RecordedRequest", "serve_postgrest"]

OBJECT_JSON = "application/vnd.pgrst.object+json"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPS = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


class PeerError(Exception):
    """An answer in PostgREST's error format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "message": message, "details": details, "hint": hint}


def unsupported(what: str) -> PeerError:
    return PeerError(400, "PGRST100", f"unsupported by test peer: {what}")


def pg_status(sqlstate: str) -> int:
    """PostgREST's mapping of SQLSTATE to HTTP status (its documented table)."""
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    exact = {
        "23503": 409, "23505": 409, "25006": 405, "42883": 404, "42P01": 404,
        "42P17": 500, "42501": 403, "P0001": 400,
    }  # fmt: skip
    if sqlstate in exact:
        return exact[sqlstate]
    prefixes = {
        "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500,
        "38": 500, "39": 500, "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500,
        "57": 500, "58": 500, "F0": 500, "HV": 500, "XX": 500,
    }  # fmt: skip
    return prefixes.get(sqlstate[:2], 400)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    outcome: str = ""  # "ok", "failed", "dropped", "garbled", "rejected"
    status: int = 0
    response: bytes = b""


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


class PostgrestPeer:
    """State and fault injection of one running peer (see the module docstring)."""

    def __init__(self, dsn: str, api_key: str) -> None:
        self.dsn = dsn
        self.api_key = api_key
        self.url = ""
        self.delay = 0.0
        self.requests: list[RecordedRequest] = []
        self._fail: list[tuple[int, bytes]] = []
        self._drop = 0
        self._drop_after = 0
        self._garble = 0
        self._idle: list[psycopg.Connection[Any]] = []
        self._limiter = trio.CapacityLimiter(8)
        self._catalog: dict[str, dict[str, str]] = {}
        self._pkeys: dict[str, list[str]] = {}
        self._nursery: trio.Nursery | None = None
        self._listening: trio.CancelScope | None = None
        self._port = 0

    # -- up and down --------------------------------------------------------

    async def start(self) -> None:
        """Listen (again, on the same port after :meth:`stop`)."""
        assert self._nursery is not None, "serve_postgrest starts the peer"
        assert self._listening is None, "already listening"
        scope = trio.CancelScope()

        async def listen(task_status: trio.TaskStatus[list[trio.SocketListener]]) -> None:
            with scope:
                await trio.serve_tcp(
                    self.handle_connection, self._port, host="127.0.0.1", task_status=task_status
                )

        listeners: list[trio.SocketListener] = await self._nursery.start(listen)
        self._port = listeners[0].socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self._port}"
        self._listening = scope

    def stop(self) -> None:
        """Go down like a stopped PostgREST: new connections are refused and
        open ones closed, answered or not (requests under way are lost)."""
        if self._listening is not None:
            self._listening.cancel()
            self._listening = None

    # -- fault injection ----------------------------------------------------

    def fail_next(self, n: int, status: int = 503, body: bytes | None = None) -> None:
        """Answer the next ``n`` requests with ``status`` (and a PostgREST-ish body)."""
        default = json.dumps(
            {"code": "PGRST000", "message": "injected failure", "details": None, "hint": None}
        ).encode()
        self._fail.extend([(status, default if body is None else body)] * n)

    def drop_next(self, n: int, *, after_processing: bool = False) -> None:
        """Close the connection of the next ``n`` requests without answering;
        with ``after_processing``, only once the request has been carried out
        (the answer is lost, the write is not)."""
        if after_processing:
            self._drop_after += n
        else:
            self._drop += n

    def garble_next(self, n: int) -> None:
        """Answer the next ``n`` requests with 200 and a truncated JSON body."""
        self._garble += n

    # -- HTTP ---------------------------------------------------------------

    async def handle_connection(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                got = await self._read_request(conn, stream)
                if got is None:
                    return
                request, body = got
                record, response = await self._answer(request, body)
                if response is None:  # dropped on purpose
                    return
                record.status, record.response = response.status, response.body
                await self._send(conn, stream, response)
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (trio.BrokenResourceError, trio.ClosedResourceError, h11.ProtocolError):
            return
        finally:
            await stream.aclose()

    async def _read_request(
        self, conn: h11.Connection, stream: trio.SocketStream
    ) -> tuple[h11.Request, bytes] | None:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await stream.receive_some(65536)
                conn.receive_data(data)
                if not data and conn.their_state is h11.IDLE:
                    return None
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return request, bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _send(self, conn: h11.Connection, stream: trio.SocketStream, r: _Response) -> None:
        headers = [("content-length", str(len(r.body))), *r.headers]
        if r.body and not any(k == "content-type" for k, _ in r.headers):
            headers.append(("content-type", "application/json; charset=utf-8"))
        out = conn.send(h11.Response(status_code=r.status, headers=headers))
        if r.body:
            out += conn.send(h11.Data(data=r.body))
        out += conn.send(h11.EndOfMessage())
        await stream.send_all(out)

    async def _answer(
        self, request: h11.Request, body: bytes
    ) -> tuple[RecordedRequest, _Response | None]:
        target = request.target.decode()
        split = urlsplit(target)
        record = RecordedRequest(
            method=request.method.decode(),
            path=split.path,
            query=parse_qsl(split.query, keep_blank_values=True),
            headers={k.decode().lower(): v.decode() for k, v in request.headers},
            body=body,
        )
        self.requests.append(record)
        if self.delay:
            await trio.sleep(self.delay)
        if self._drop:
            self._drop -= 1
            record.outcome = "dropped"
            return record, None
        if self._fail:
            status, fail_body = self._fail.pop(0)
            record.outcome = "failed"
            return record, _Response(status, fail_body)
        if self._garble:
            self._garble -= 1
            record.outcome = "garbled"
            return record, _Response(
                200, b'[{"id": "6f0d8a4e-2f53-4f1b-9a57-3c1f5b2e7d10", "title": '
            )
        try:
            self._check_auth(record)
            response = await self._dispatch(record)
            record.outcome = "ok"
        except PeerError as exc:
            record.outcome = "rejected"
            response = _Response(exc.status, json.dumps(exc.body).encode())
        if self._drop_after:
            self._drop_after -= 1
            record.outcome += ", then dropped"
            return record, None
        return record, response

    def _check_auth(self, r: RecordedRequest) -> None:
        if r.headers.get("apikey") != self.api_key:
            raise PeerError(401, "PGRST301", "No API key found in request (apikey header)")
        if r.headers.get("authorization") != f"Bearer {self.api_key}":
            raise PeerError(401, "PGRST301", "Authorization header is not 'Bearer <service key>'")

    # -- PostgREST -> SQL ---------------------------------------------------

    async def _dispatch(self, r: RecordedRequest) -> _Response:
        if not r.path.startswith("/rest/v1/"):
            raise PeerError(404, "PGRST125", f"Invalid path specified in request URL: {r.path}")
        if r.headers.get("accept-profile", "public") != "public" or (
            r.headers.get("content-profile", "public") != "public"
        ):
            raise unsupported("schemas other than public")
        await self._load_catalog()
        rest = r.path[len("/rest/v1/") :]
        if rest.startswith("rpc/"):
            if r.method != "POST":
                raise unsupported(f"{r.method} on rpc (only POST)")
            return await self._rpc(rest[len("rpc/") :], r)
        table = rest
        if table not in self._catalog:
            raise PeerError(404, "42P01", f'relation "public.{table}" does not exist')
        if r.method == "GET":
            return await self._select(table, r)
        if r.method == "POST":
            return await self._insert(table, r)
        if r.method == "PATCH":
            return await self._update(table, r)
        if r.method == "DELETE":
            return await self._delete(table, r)
        raise unsupported(f"method {r.method}")

    def _prefer(self, r: RecordedRequest) -> dict[str, str]:
        """The Prefer header's tokens; those the peer does not implement -> 400."""
        prefs: dict[str, str] = {}
        for token in r.headers.get("prefer", "").split(","):
            token = token.strip()
            if not token:
                continue
            key, _, value = token.partition("=")
            prefs[key.strip()] = value.strip()
        known = {
            "return": {"minimal", "representation"},
            "resolution": {"merge-duplicates", "ignore-duplicates"},
            "count": {"exact"},
        }
        for key, value in prefs.items():
            if key not in known or value not in known[key]:
                raise unsupported(f"Prefer: {key}={value}")
        return prefs

    def _column(self, table: str, name: str) -> sql.Identifier:
        if not _IDENT.match(name):
            raise unsupported(f"column expression {name!r}")
        if name not in self._catalog[table]:
            raise PeerError(400, "42703", f"column {table}.{name} does not exist", hint="PGRST204")
        return sql.Identifier(name)

    def _columns(self, table: str, spec: str) -> sql.Composable:
        if spec.strip() == "*":
            return sql.SQL("*")
        names = [c.strip().strip('"') for c in spec.split(",") if c.strip()]
        if not names:
            raise unsupported("empty select")
        return sql.SQL(", ").join(self._column(table, n) for n in names)

    def _query(
        self, table: str, r: RecordedRequest, allowed: set[str]
    ) -> tuple[sql.Composable, list[Any], dict[str, str]]:
        """WHERE clause and parameters from the filters; the other params."""
        conditions: list[sql.Composable] = []
        params: list[Any] = []
        others: dict[str, str] = {}
        for key, value in r.query:
            if key in allowed:
                if key in others:
                    raise unsupported(f"repeated {key}")
                others[key] = value
                continue
            if key in {"select", "order", "limit", "offset", "on_conflict", "columns"}:
                raise unsupported(f"{key}= on {r.method}")
            if key in {"or", "and", "not"} or "." in key:
                raise unsupported(f"logical or embedded filter {key}={value}")
            col = self._column(table, key)
            op, _, operand = value.partition(".")
            if op in _OPS:
                conditions.append(sql.SQL("{} {} %s").format(col, sql.SQL(_OPS[op])))
                params.append(operand)
            elif op == "in":
                items = _in_list(operand)
                if not items:
                    conditions.append(sql.SQL("false"))
                else:
                    marks = sql.SQL(", ").join(sql.Placeholder() for _ in items)
                    conditions.append(sql.SQL("{} in ({})").format(col, marks))
                    params.extend(items)
            elif op == "is":
                if operand not in {"null", "true", "false"}:
                    raise unsupported(f"is.{operand}")
                conditions.append(sql.SQL("{} is {}").format(col, sql.SQL(operand)))
            else:
                raise unsupported(f"filter operator {op!r} in {key}={value}")
        where = (
            sql.SQL(" where ") + sql.SQL(" and ").join(conditions) if conditions else sql.SQL("")
        )
        return where, params, others

    def _order_limit(self, table: str, others: dict[str, str]) -> sql.Composable:
        out: sql.Composable = sql.SQL("")
        if "order" in others:
            terms = []
            for term in others["order"].split(","):
                name, _, direction = term.partition(".")
                if direction not in {"", "asc", "desc"}:
                    raise unsupported(f"order modifier {direction!r}")
                terms.append(
                    sql.SQL("{} {}").format(self._column(table, name), sql.SQL(direction or "asc"))
                )
            out += sql.SQL(" order by ") + sql.SQL(", ").join(terms)
        for key in ("limit", "offset"):
            if key in others:
                if not others[key].isdigit():
                    raise PeerError(400, "PGRST103", f"invalid {key} {others[key]!r}")
                out += sql.SQL(f" {key} ") + sql.Literal(int(others[key]))
        return out

    async def _select(self, table: str, r: RecordedRequest) -> _Response:
        where, params, others = self._query(table, r, {"select", "order", "limit", "offset"})
        cols = self._columns(table, others.get("select", "*"))
        query = sql.SQL("select {} from {}{}{}").format(
            cols, sql.Identifier("public", table), where, self._order_limit(table, others)
        )
        rows = await self._rows(query, params)
        response = self._representation(r, rows, status=200)
        if self._prefer(r).get("count") == "exact":
            counted = sql.SQL("select count(*) from {}{}").format(
                sql.Identifier("public", table), where
            )
            total = (await self._rows(sql.SQL("select ({}) as n").format(counted), params))[0]["n"]
            first = int(others.get("offset", "0"))
            span = f"{first}-{first + len(rows) - 1}" if rows else "*"
            response.headers.append(("content-range", f"{span}/{total}"))
        return response

    async def _insert(self, table: str, r: RecordedRequest) -> _Response:
        prefs = self._prefer(r)
        _, _, others = self._query(table, r, {"select", "on_conflict", "columns"})
        payload = _json_body(r)
        rows = payload if isinstance(payload, list) else [payload]
        if not rows or not all(isinstance(x, dict) for x in rows):
            raise PeerError(400, "PGRST102", "Empty or invalid json")
        if "columns" in others:
            names = [c.strip().strip('"') for c in others["columns"].split(",")]
        else:
            names = list(rows[0])
        cols = [self._column(table, n) for n in names]
        col_list = sql.SQL(", ").join(cols)
        query = sql.SQL(
            "insert into {t} ({cols}) select {cols} from json_populate_recordset(null::{t}, %s)"
        ).format(t=sql.Identifier("public", table), cols=col_list)
        resolution = prefs.get("resolution")
        if resolution:
            target = others.get("on_conflict")
            keys = target.split(",") if target else self._pkeys[table]
            key_cols = [self._column(table, k.strip()) for k in keys]
            action: sql.Composable
            if resolution == "ignore-duplicates":
                action = sql.SQL("do nothing")
            else:
                updates = [
                    sql.SQL("{c} = excluded.{c}").format(c=self._column(table, n))
                    for n in names
                    if n not in keys
                ]
                action = (
                    sql.SQL("do update set ") + sql.SQL(", ").join(updates)
                    if updates
                    else sql.SQL("do nothing")
                )
            query += sql.SQL(" on conflict ({}) {}").format(sql.SQL(", ").join(key_cols), action)
        elif "on_conflict" in others:
            raise unsupported("on_conflict without Prefer: resolution")
        return await self._write(table, r, prefs, others, query, [json.dumps(rows)], 201)

    async def _update(self, table: str, r: RecordedRequest) -> _Response:
        prefs = self._prefer(r)
        where, params, others = self._query(table, r, {"select"})
        payload = _json_body(r)
        if not isinstance(payload, dict) or not payload:
            raise PeerError(400, "PGRST102", "Empty or invalid json")
        cols = [self._column(table, n) for n in payload]
        query = sql.SQL(
            "update {t} set ({cols}) = (select {cols} from json_populate_record(null::{t}, %s))"
        ).format(t=sql.Identifier("public", table), cols=sql.SQL(", ").join(cols))
        if len(cols) == 1:  # a one-column row constructor needs ROW()
            query = sql.SQL(
                "update {t} set {col} = (select {col} from json_populate_record(null::{t}, %s))"
            ).format(t=sql.Identifier("public", table), col=cols[0])
        query += where
        return await self._write(
            table, r, prefs, others, query, [json.dumps(payload), *params], 204
        )

    async def _delete(self, table: str, r: RecordedRequest) -> _Response:
        prefs = self._prefer(r)
        where, params, others = self._query(table, r, {"select"})
        query = sql.SQL("delete from {}").format(sql.Identifier("public", table)) + where
        return await self._write(table, r, prefs, others, query, params, 204)

    async def _write(
        self,
        table: str,
        r: RecordedRequest,
        prefs: dict[str, str],
        others: dict[str, str],
        query: sql.Composable,
        params: list[Any],
        minimal_status: int,
    ) -> _Response:
        if prefs.get("return") == "representation":
            query += sql.SQL(" returning ") + self._columns(table, others.get("select", "*"))
            rows = await self._rows(query, params, returning=True)
            return self._representation(r, rows, status=201 if minimal_status == 201 else 200)
        if "select" in others:
            raise unsupported("select= without Prefer: return=representation")
        await self._rows(query, params, returning=False)
        return _Response(minimal_status)

    async def _rpc(self, name: str, r: RecordedRequest) -> _Response:
        if r.query:
            raise unsupported("filters on an rpc result")
        self._prefer(r)
        args = _json_body(r) if r.body else {}
        if not isinstance(args, dict):
            raise unsupported("rpc arguments that are not a JSON object")
        signature = await self._function(name)
        if signature is None or not set(args) <= set(signature["args"]):
            raise PeerError(
                404,
                "PGRST202",
                f"Could not find the function public.{name}({', '.join(sorted(args))})"
                " in the schema cache",
            )
        types = signature["args"]
        record = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(a), sql.SQL(types[a])) for a in args
        )
        call_args = sql.SQL(", ").join(
            sql.SQL("{a} => _.{a}").format(a=sql.Identifier(a)) for a in args
        )
        fn = sql.Identifier("public", name)
        source = (
            sql.SQL("json_to_record(%s) as _({})").format(record)
            if args
            else sql.SQL("(select) as _")
        )
        if signature["void"]:
            query = sql.SQL("select {}({}) from {}").format(fn, call_args, source)
            await self._rows(query, [json.dumps(args)] if args else [], returning=False)
            return _Response(204)
        query = sql.SQL("select r.* from {}, lateral {}({}) r").format(source, fn, call_args)
        rows = await self._rows(query, [json.dumps(args)] if args else [])
        if not signature["set"]:
            return _Response(200, json.dumps(rows[0] if rows else None).encode())
        return self._representation(r, rows, status=200)

    def _representation(self, r: RecordedRequest, rows: list[Any], status: int) -> _Response:
        accept = r.headers.get("accept", "application/json")
        if accept.startswith(OBJECT_JSON):
            if len(rows) != 1:
                raise PeerError(
                    406,
                    "PGRST116",
                    "JSON object requested, multiple (or no) rows returned",
                    f"The result contains {len(rows)} rows",
                )
            return _Response(status, json.dumps(rows[0]).encode(), [("content-type", OBJECT_JSON)])
        if accept not in {"application/json", "*/*"} and not accept.startswith("application/json"):
            raise unsupported(f"Accept: {accept}")
        return _Response(status, json.dumps(rows).encode())

    # -- database -----------------------------------------------------------

    async def _rows(
        self, query: sql.Composable, params: list[Any], *, returning: bool = True
    ) -> list[Any]:
        """Run one statement in one transaction as service_role; rows as JSON."""

        def run() -> list[Any]:
            conn = self._idle.pop() if self._idle else psycopg.connect(self.dsn, autocommit=True)
            try:
                with conn.transaction():
                    conn.execute("set local role service_role")
                    conn.execute(
                        "select set_config('request.jwt.claims', %s, true)",
                        (json.dumps({"role": "service_role"}),),
                    )
                    if not returning:
                        conn.execute(query.as_string(conn), params)
                        return []
                    # PostgREST's own trick: PostgreSQL renders the JSON, so
                    # uuids, timestamps and arrays look as they do there.
                    wrapped = sql.SQL(
                        "with pgrst_source as ({}) select coalesce(json_agg(_), '[]')::text"
                        " from pgrst_source _"
                    ).format(query)
                    row = conn.execute(wrapped, params).fetchone()
                    rows: list[Any] = json.loads(row[0]) if row else []
                    return rows
            except psycopg.Error as exc:
                code = exc.sqlstate or "XX000"
                raise PeerError(
                    pg_status(code),
                    code,
                    exc.diag.message_primary or str(exc),
                    exc.diag.message_detail,
                    exc.diag.message_hint,
                ) from None
            finally:
                if conn.broken or conn.closed:
                    conn.close()
                else:
                    self._idle.append(conn)

        return await trio.to_thread.run_sync(run, limiter=self._limiter)

    async def _load_catalog(self) -> None:
        if self._catalog:
            return
        rows = await self._raw(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'public'"
        )
        for table, column, data_type in rows:
            self._catalog.setdefault(table, {})[column] = data_type
        for table, column in await self._raw(
            "select tc.table_name, kcu.column_name"
            " from information_schema.table_constraints tc"
            " join information_schema.key_column_usage kcu"
            "   on kcu.constraint_name = tc.constraint_name"
            "  and kcu.table_schema = tc.table_schema"
            " where tc.table_schema = 'public' and tc.constraint_type = 'PRIMARY KEY'"
            " order by kcu.ordinal_position"
        ):
            self._pkeys.setdefault(table, []).append(column)

    async def _function(self, name: str) -> dict[str, Any] | None:
        rows = await self._raw(
            "select p.proargnames, array(select format_type(t, null) from unnest(p.proargtypes) t),"
            " p.proretset, p.prorettype = 'void'::regtype"
            " from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = %s",
            (name,),
        )
        if len(rows) != 1:
            return None
        names, types, returns_set, void = rows[0]
        return {
            "args": dict(zip(names or [], types, strict=False)),
            "set": returns_set,
            "void": void,
        }

    async def _raw(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        def run() -> list[tuple[Any, ...]]:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                return conn.execute(query, params).fetchall()

        return await trio.to_thread.run_sync(run, limiter=self._limiter)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def _json_body(r: RecordedRequest) -> Any:
    try:
        return json.loads(r.body)
    except ValueError:
        raise PeerError(400, "PGRST102", "Empty or invalid json") from None


def _in_list(operand: str) -> list[str]:
    """``(a,b,"c,d")`` -> ``["a", "b", "c,d"]``, PostgREST's quoting rules."""
    if not (operand.startswith("(") and operand.endswith(")")):
        raise PeerError(400, "PGRST100", f'"failed to parse filter (in.{operand})"')
    inner = operand[1:-1]
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in inner:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    if inner:
        items.append("".join(current))
    return items


async def serve_postgrest(
    dsn: str,
    api_key: str = "test-service-role-key",
    *,
    task_status: trio.TaskStatus[PostgrestPeer] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve a :class:`PostgrestPeer` on 127.0.0.1 until cancelled
    (``peer = await nursery.start(serve_postgrest, dsn)``)."""
    peer = PostgrestPeer(dsn, api_key)
    try:
        async with trio.open_nursery() as nursery:
            peer._nursery = nursery
            await peer.start()
            task_status.started(peer)
            await trio.sleep_forever()  # stopped or not, until cancelled
    finally:
        peer.close()
