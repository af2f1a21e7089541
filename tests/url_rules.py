"""One compiled URL builder per distinct rule per test process, instead of one per app per test.

Werkzeug compiles a Python function for every URL rule of every app it builds (an AST turned into
code with ``compile``): three quarters of ``create_app``'s time, about 75 of 95 ms with the
portal's 119 rules, and every test builds an app. The function is pure: it takes the rule as its
first argument and is made only from the rule's text, its parsed parts, its defaults and their
converters, which the key below holds entire. So the tests compile each builder once; the app
under test routes and builds URLs with the very same functions werkzeug would compile again.
Test-only: the portal itself builds one app per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_compile: Callable[[Rule, bool], Callable[..., tuple[str, str]]] = Rule._compile_builder
_compiled: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple[Any, ...]:
    converters = tuple(
        (name, type(converter).__qualname__, getattr(converter, "regex", None))
        for name, converter in rule._converters.items()
    )
    defaults = tuple(sorted((str(k), repr(v)) for k, v in (rule.defaults or {}).items()))
    return (rule.rule, tuple(rule._trace), defaults, converters, append_unknown)


def _compile_once(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    key = _key(rule, append_unknown)
    builder = _compiled.get(key)
    if builder is None:
        builder = _compiled[key] = _compile(rule, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _compile_once  # type: ignore[method-assign,assignment]
