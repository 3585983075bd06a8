"""Read a policy file's YAML while remembering the line of every key and list item.

`read_yaml` returns the plain data and a `Lines` map from a path (the keys and list
indexes leading to a node, as strings) to its 1-based line, so that errors found later
(pydantic's, or cross-reference checks) can say ``esper.yaml:42: ...``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import PolicyError

__all__ = ["Lines", "pydantic_error", "read_yaml"]

Path = tuple[str, ...]


class Lines:
    """Path -> line (1-based) of the key or list item that starts the node at that path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines: dict[Path, int] = {(): 1}
        self.problems: list[PolicyError] = []

    def record(self, path: Path, line: int) -> None:
        self._lines[path] = line

    def line(self, path: Iterable[object]) -> int:
        """Line of the deepest recorded node along ``path`` (unknown elements are skipped)."""
        best = 1
        cur: Path = ()
        for elem in path:
            nxt = (*cur, str(elem))
            if nxt in self._lines:
                cur = nxt
                best = self._lines[cur]
        return best

    def error(self, path: Iterable[object], message: str) -> PolicyError:
        """A `PolicyError` located at ``path``."""
        return PolicyError(message, self.source, self.line(path))

    def report(self, error: PolicyError) -> None:
        """Remember ``error`` and go on checking (`raise_reported` raises them all)."""
        if all(str(e) != str(error) for e in self.problems):
            self.problems.append(error)

    def raise_reported(self) -> None:
        """Raise every reported problem as one `PolicyError` (first by line), if any."""
        if self.problems:
            raise PolicyError.of(self.problems)


def read_yaml(text: str, source: str) -> tuple[Any, Lines]:
    """Parse ``text`` (one YAML document) into data and its line map.

    Syntax errors and duplicate keys raise `PolicyError` with the line.
    """
    lines = Lines(source)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError("the file is empty", source, 1)
        _walk(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise PolicyError(f"YAML syntax error: {what}", source, line) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML error: {exc}", source, None) from None
    finally:
        loader.dispose()
    return data, lines


def _walk(node: yaml.Node, path: Path, lines: Lines) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise PolicyError(f"duplicate key {name!r}", lines.source, key.start_mark.line + 1)
            seen.add(name)
            lines.record((*path, name), key.start_mark.line + 1)
            _walk(value, (*path, name), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.record((*path, str(i)), item.start_mark.line + 1)
            _walk(item, (*path, str(i)), lines)


def pydantic_error(exc: ValidationError, lines: Lines) -> PolicyError:
    """Every validation error as ``file:line: field: what is wrong`` (`PolicyError.problems`),
    one per field: for a union (``str | TargetSpec``) pydantic reports every member's
    complaint, and the "should be a string / a mapping" ones only matter when nothing
    better is said about that field."""
    by_field: dict[tuple[str, ...], list[Any]] = {}
    for err in exc.errors():
        shown = tuple(str(x) for x in err["loc"] if not _is_tag(str(x)))
        by_field.setdefault(shown, []).append(err)
    problems = [
        _one_error(min(errs, key=lambda e: e["type"] in _WRONG_KIND), lines)
        for field, errs in by_field.items()
        if not (all(e["type"] in _WRONG_KIND for e in errs) and _said_better(field, by_field))
    ]
    return PolicyError.of(problems)


def _said_better(field: tuple[str, ...], by_field: dict[tuple[str, ...], Any]) -> bool:
    """Whether another error is about a part of ``field`` (a union member's own complaint,
    which says more than "should be a string")."""
    return any(len(f) > len(field) and f[: len(field)] == field for f in by_field)


def _one_error(err: Any, lines: Lines) -> PolicyError:
    loc = [str(x) for x in err["loc"]]
    # Drop pydantic's union-member tags ("str", "TargetSpec", ...) from the shown field path.
    shown = ".".join(x for x in loc if not _is_tag(x))
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key {loc[-1]!r}"
        shown = ".".join(shown.split(".")[:-1])
    elif err["type"] == "missing":
        msg = f"missing required key {loc[-1]!r}"
        shown = ".".join(shown.split(".")[:-1])
    elif "input" in err and err["type"] not in ("model_type", "dict_type"):
        msg = f"{msg} (got {err['input']!r})"
    return PolicyError(f"{shown}: {msg}" if shown else msg, lines.source, lines.line(loc))


_WRONG_KIND = frozenset({"string_type", "list_type", "model_type", "dict_type"})


def _is_tag(elem: str) -> bool:
    return (
        elem in ("str", "list[str]", "int", "bool")
        or elem.endswith("Spec")
        or "[" in elem
        or elem.startswith(("constrained-", "function-"))
    )
