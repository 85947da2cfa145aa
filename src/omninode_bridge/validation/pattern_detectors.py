"""The anti-pattern detectors, one function per rule (PAT001 to PAT009).

Each detector reads the shared :class:`~.pattern_scan.Scan` and adds a
:class:`~.pattern_scan.DetectedPattern` with a confidence for every match.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from omninode_bridge.validation.pattern_scan import (
    Scan,
)
from omninode_bridge.validation.source import (
    ParsedSource,
    dotted_name,
)

__all__ = ["DETECTORS"]

_Func = ast.FunctionDef | ast.AsyncFunctionDef


# -- PAT001, PAT002 ---------------------------------------------------------------------

_BROAD = {"Exception", "BaseException"}


def _detect_excepts(scan: Scan) -> None:
    for handler in scan.source.nodes(ast.ExceptHandler):
        if handler.type is None:
            scan.add(
                "bare_except",
                handler,
                0.95,
                "bare `except:` also catches KeyboardInterrupt, SystemExit and CancelledError",
                "catch the exceptions you expect, e.g. `except (KeyError, ValueError) as exc:`",
            )
            continue
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if not any(dotted_name(t).rsplit(".", 1)[-1] in _BROAD for t in types):
            continue
        if _swallows(handler):
            only_pass = all(isinstance(s, ast.Pass | ast.Continue) for s in handler.body)
            scan.add(
                "swallowed_exception",
                handler,
                0.9 if only_pass else 0.8,
                "broad `except Exception` discards the error: nothing is logged or raised",
                "log it with emit_log_event and re-raise as ModelOnexError, or catch only "
                "the exceptions you can handle",
            )


def _swallows(handler: ast.ExceptHandler) -> bool:
    for stmt in handler.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise | ast.Call | ast.Await | ast.Yield | ast.YieldFrom):
                return False
            if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
                return False
    return True


# -- PAT003 -----------------------------------------------------------------------------

_MUTABLE_CALLS = {
    "list",
    "dict",
    "set",
    "defaultdict",
    "OrderedDict",
    "deque",
    "bytearray",
    "Counter",
}
_MUTABLE_NODES = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _detect_mutable_defaults(scan: Scan) -> None:
    funcs: list[_Func | ast.Lambda] = [*scan.source.functions(), *scan.source.nodes(ast.Lambda)]
    for func in funcs:
        defaults = [*func.args.defaults, *(d for d in func.args.kw_defaults if d is not None)]
        for default in defaults:
            if isinstance(default, _MUTABLE_NODES):
                confidence = 0.95
            elif (
                isinstance(default, ast.Call)
                and dotted_name(default.func).rsplit(".", 1)[-1] in _MUTABLE_CALLS
            ):
                confidence = 0.9
            else:
                continue
            name = getattr(func, "name", "lambda")
            scan.add(
                "mutable_default_argument",
                default,
                confidence,
                f"{name}() has a mutable default argument shared between calls",
                "default to None and create the object inside: `items: list[str] | None = None`",
            )


# -- PAT004 -----------------------------------------------------------------------------

_SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "passphrase",
    "credential",
    "credentials",
}
_KEY_QUALIFIERS = {"api", "private", "access", "secret", "signing", "encryption", "master"}
_TOKEN_FORMATS = re.compile(
    r"AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}"
    r"|sk-[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_\-]{35}"
    r"|-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(?:[<{$%*x.\-_ ]|\{\{|\$\{)|^[A-Z][A-Z0-9_]+$|\s")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORDS = re.compile(r"^[A-Za-z]+(?:[-_.:/][A-Za-z]+)*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _secret_name(name: str) -> bool:
    tokens = [t for t in _CAMEL.sub("_", name).lower().split("_") if t]
    if not tokens:
        return False
    last = tokens[-1]
    if last in _SECRET_WORDS:
        return True
    return last == "key" and len(tokens) > 1 and tokens[-2] in _KEY_QUALIFIERS


def _secret_value(value: str, name: str) -> bool:
    if len(value) < 6 or len(set(value)) < 3 or _PLACEHOLDER.search(value):
        return False
    if _WORDS.match(value):  # "next_token", "Access-Control-Allow-Credentials": labels
        return False
    lowered = value.lower()
    return lowered not in {name.lower(), "password", "changeme", "example", "redacted"}


def _secret_sites(source: ParsedSource) -> Iterator[tuple[str, ast.AST]]:
    """(name, value node) pairs where a value is bound to a name."""
    for assign in source.nodes(ast.Assign):
        for target in assign.targets:
            yield _target_name(target), assign.value
    for ann in source.nodes(ast.AnnAssign):
        if ann.value is not None:
            yield _target_name(ann.target), ann.value
    for kw in source.nodes(ast.keyword):
        if kw.arg:
            yield kw.arg, kw.value
    for mapping in source.nodes(ast.Dict):
        for key, value in zip(mapping.keys, mapping.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield (key.value if _IDENTIFIER.match(key.value) else ""), value
    for func in source.functions():
        positional = [*func.args.posonlyargs, *func.args.args]
        for arg, default in zip(
            positional[len(positional) - len(func.args.defaults) :], func.args.defaults, strict=True
        ):
            yield arg.arg, default
        for arg, kw_default in zip(func.args.kwonlyargs, func.args.kw_defaults, strict=True):
            if kw_default is not None:
                yield arg.arg, kw_default
    for compare in source.nodes(ast.Compare):
        if len(compare.comparators) == 1 and isinstance(compare.ops[0], ast.Eq | ast.NotEq):
            yield _target_name(compare.left), compare.comparators[0]


def _target_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return ""


def _detect_secrets(scan: Scan) -> None:
    seen: set[int] = set()
    scale = 0.7 if scan.is_test else 1.0
    for name, value in _secret_sites(scan.source):
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        if name and _secret_name(name) and _secret_value(value.value, name):
            seen.add(id(value))
            scan.add(
                "hardcoded_secret",
                value,
                (0.85 if len(value.value) >= 8 else 0.75) * scale,
                f"'{name}' is set to a string literal: secrets in code leak through VCS",
                f"read {name} from the environment or a secret store, e.g. "
                f'`os.environ["{name.upper()}"]`',
            )
    for const in scan.source.nodes(ast.Constant):
        if id(const) in seen or not isinstance(const.value, str):
            continue
        url = _URL_PASSWORD.match(const.value)
        if _TOKEN_FORMATS.search(const.value):
            confidence = 0.95
        elif url and _secret_value(url.group(1), ""):
            confidence = 0.8
        else:
            continue
        scan.add(
            "hardcoded_secret",
            const,
            confidence * scale,
            "string literal contains a credential (token, private key or URL password)",
            "move the credential to the environment or a secret store and read it at start-up",
        )


# -- PAT005 -----------------------------------------------------------------------------

_SQL = re.compile(
    r"\b(?:select\b[\s\S]*?\bfrom|insert\s+into|update\s+[\w.\"`]+\s+set|delete\s+from"
    r"|(?:create|drop|alter|truncate)\s+table)\b",
    re.IGNORECASE,
)
_SQL_UPPER = re.compile(
    r"\b(?:SELECT\b[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM"
    r"|(?:CREATE|DROP|ALTER|TRUNCATE)\s+TABLE)\b"
)
_SQL_SINKS = {
    "execute",
    "executemany",
    "executescript",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetchall",
    "fetchone",
    "query",
    "raw",
    "text",
    "read_sql",
    "exec_driver_sql",
}
_SQL_VARS = re.compile(r"sql|query|stmt|statement", re.IGNORECASE)
_SAFE_PARTS = re.compile(r"placeholder|params|marks", re.IGNORECASE)


def _sql_parts(node: ast.AST) -> tuple[str, list[ast.AST]] | None:
    """(literal text, interpolated expressions) of a formatted string expression."""
    if isinstance(node, ast.JoinedStr):
        text, dynamic = "", list[ast.AST]()
        for value in node.values:
            if isinstance(value, ast.Constant):
                text += str(value.value)
            elif isinstance(value, ast.FormattedValue):
                text += "{}"
                dynamic.append(value.value)
        return (text, dynamic) if dynamic else None
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        right: list[ast.AST] = (
            [*node.right.elts] if isinstance(node.right, ast.Tuple) else [node.right]
        )
        return node.left.value, right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value, [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        operands = _flatten_add(node)
        text = "".join(
            o.value if isinstance(o, ast.Constant) and isinstance(o.value, str) else "{}"
            for o in operands
        )
        dynamic = [o for o in operands if not isinstance(o, ast.Constant)]
        return (text, dynamic) if dynamic and len(dynamic) < len(operands) else None
    return None


def _flatten_add(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_flatten_add(node.left), *_flatten_add(node.right)]
    return [node]


def _sql_candidates(source: ParsedSource) -> Iterator[ast.AST]:
    yield from source.nodes(ast.JoinedStr)
    yield from source.nodes(ast.Call)
    for binop in source.nodes(ast.BinOp):
        parent = source.parents.get(binop)
        nested_add = (
            isinstance(binop.op, ast.Add)
            and isinstance(parent, ast.BinOp)
            and isinstance(parent.op, ast.Add)
        )
        if not nested_add:
            yield binop


def _sql_sink(source: ParsedSource, node: ast.AST) -> bool:
    parent = source.parents.get(node)
    if isinstance(parent, ast.Call) and node in parent.args:
        return dotted_name(parent.func).rsplit(".", 1)[-1] in _SQL_SINKS
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return any(_SQL_VARS.search(_target_name(t)) for t in targets)
    if isinstance(parent, ast.keyword) and parent.arg:
        return bool(_SQL_VARS.search(parent.arg))
    return False


def _detect_sql(scan: Scan) -> None:
    for node in _sql_candidates(scan.source):
        parts = _sql_parts(node)
        if parts is None:
            continue
        text, dynamic = parts
        if not _SQL.search(text):
            continue
        confidence = 0.75 if _SQL_UPPER.search(text) else 0.55
        if _sql_sink(scan.source, node):
            confidence += 0.2
        if dynamic and all(_safe_fragment(d) for d in dynamic):
            confidence -= 0.4
        scan.add(
            "sql_string_formatting",
            node,
            min(confidence, 0.95),
            "SQL is built by string formatting: values can inject SQL",
            'pass values as bound parameters, e.g. `execute("... WHERE id = $1", item_id)`',
        )


def _safe_fragment(node: ast.AST) -> bool:
    """Interpolations that are identifiers or placeholder lists, not values."""
    name = dotted_name(node).rsplit(".", 1)[-1]
    if name and (name.isupper() or _SAFE_PARTS.search(name)):
        return True
    return isinstance(node, ast.Constant)


# -- PAT006 -----------------------------------------------------------------------------

_BLOCKING: dict[str, float] = {
    "time.sleep": 0.95,
    "requests.get": 0.95,
    "requests.post": 0.95,
    "requests.put": 0.95,
    "requests.delete": 0.95,
    "requests.patch": 0.95,
    "requests.head": 0.95,
    "requests.request": 0.95,
    "requests.Session": 0.9,
    "requests.session": 0.9,
    "urllib.request.urlopen": 0.9,
    "open": 0.85,
    "io.open": 0.85,
    "socket.create_connection": 0.9,
    "subprocess.run": 0.85,
    "subprocess.call": 0.85,
    "subprocess.check_call": 0.85,
    "subprocess.check_output": 0.85,
    "subprocess.Popen": 0.8,
    "os.system": 0.85,
}
_BLOCKING_METHODS = {"read_text": 0.75, "write_text": 0.75, "read_bytes": 0.75, "write_bytes": 0.75}


def _async_scope(source: ParsedSource, node: ast.AST) -> bool:
    """True when ``node`` runs directly in the body of an ``async def``."""
    for parent in source.ancestors(node):
        if isinstance(parent, ast.Lambda | ast.FunctionDef):
            return False
        if isinstance(parent, ast.AsyncFunctionDef):
            return True
    return False


def _detect_blocking(scan: Scan) -> None:
    local = {f.name for f in scan.source.functions()}
    for call in scan.source.nodes(ast.Call):
        full = scan.resolve(call.func)
        confidence = _BLOCKING.get(full)
        if confidence is None and isinstance(call.func, ast.Attribute):
            confidence = _BLOCKING_METHODS.get(call.func.attr)
            full = f".{call.func.attr}"
        if confidence is None or (full == "open" and "open" in local):
            continue
        if isinstance(scan.source.parents.get(call), ast.Await):
            continue
        if not _async_scope(scan.source, call):
            continue
        scan.add(
            "blocking_call_in_async",
            call,
            confidence,
            f"blocking call {full.lstrip('.')}() inside async def stalls the event loop",
            "use the async form (asyncio.sleep, httpx.AsyncClient, aiofiles) or "
            "`await asyncio.to_thread(...)`",
        )


# -- PAT007 -----------------------------------------------------------------------------


def _detect_unawaited(scan: Scan) -> None:
    source = scan.source
    if source.tree is None:
        return
    module_async = {f.name for f in source.tree.body if isinstance(f, ast.AsyncFunctionDef)}
    module_sync = {f.name for f in source.tree.body if isinstance(f, ast.FunctionDef)}
    class_async: dict[ast.ClassDef, set[str]] = {
        cls: {m.name for m in cls.body if isinstance(m, ast.AsyncFunctionDef)}
        for cls in source.nodes(ast.ClassDef)
    }
    for stmt in source.nodes(ast.Expr):
        call = stmt.value
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        name = scan.resolve(func)
        hit = False
        if isinstance(func, ast.Name):
            hit = func.id in module_async and func.id not in module_sync
        elif name == "asyncio.sleep":
            hit = True
        elif isinstance(func, ast.Attribute) and dotted_name(func.value) in ("self", "cls"):
            owner = _owner_class(source, stmt)
            hit = owner is not None and func.attr in class_async.get(owner, set())
        if hit:
            shown = dotted_name(func) or "coroutine"
            scan.add(
                "unawaited_coroutine",
                call,
                0.95,
                f"{shown}() returns a coroutine that is never awaited: the call does nothing",
                f"write `await {shown}(...)`, or schedule it with asyncio.create_task and "
                "keep the task",
            )


def _owner_class(source: ParsedSource, node: ast.AST) -> ast.ClassDef | None:
    for parent in source.ancestors(node):
        if isinstance(parent, ast.ClassDef):
            return parent
    return None


# -- PAT008 -----------------------------------------------------------------------------


def _detect_unused_imports(scan: Scan) -> None:
    if scan.is_init:
        return
    used = scan.source.used_names()
    imports: list[ast.Import | ast.ImportFrom] = [
        *scan.source.nodes(ast.Import),
        *scan.source.nodes(ast.ImportFrom),
    ]
    for node in imports:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        guarded = any(
            isinstance(p, ast.Try) and any(_catches_import_error(h) for h in p.handlers)
            for p in scan.source.ancestors(node)
        )
        if _noqa_f401(scan.source, node):
            continue
        for alias in node.names:
            if alias.name == "*" or (alias.asname and alias.asname == alias.name.split(".")[-1]):
                continue
            bound = alias.asname or alias.name.split(".")[0]
            if bound in used:
                continue
            scan.add(
                "unused_import",
                node,
                0.6 if guarded else 0.95,
                f"'{bound}' is imported and never used",
                f"delete the import of {alias.name}, or list it in __all__ if it is re-exported",
            )


_NOQA_F401 = re.compile(r"#\s*noqa(?!:)|#\s*noqa:[^#]*\bF401\b", re.IGNORECASE)


def _noqa_f401(source: ParsedSource, node: ast.AST) -> bool:
    """A ``# noqa`` or ``# noqa: F401`` on the import marks a deliberate re-export."""
    first = getattr(node, "lineno", 0)
    last = getattr(node, "end_lineno", None) or first
    return any(_NOQA_F401.search(source.line_text(n)) for n in range(first, last + 1))


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = ast.walk(handler.type)
    return any(
        isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names
    )


# -- PAT009 -----------------------------------------------------------------------------


def _detect_asserts(scan: Scan) -> None:
    if scan.is_test:
        return
    for node in scan.source.nodes(ast.Assert):
        func = scan.source.enclosing_function(node)
        if func is None:
            confidence = 0.55
        else:
            args = func.args
            params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            params -= {"self", "cls"}
            read = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            confidence = 0.85 if read & params else 0.5
        scan.add(
            "assert_for_validation",
            node,
            confidence,
            "assert used to validate input: `python -O` removes it",
            "raise ModelOnexError (or ValueError in a pydantic validator) when the check fails",
        )


DETECTORS: tuple[Callable[[Scan], None], ...] = (
    _detect_excepts,
    _detect_mutable_defaults,
    _detect_secrets,
    _detect_sql,
    _detect_blocking,
    _detect_unawaited,
    _detect_unused_imports,
    _detect_asserts,
)
