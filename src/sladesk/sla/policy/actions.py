"""Policy-driven actions at a clock's moments (warning, breach): who is told, what changes.

A policy's ``actions:`` rows say what happens when a clock reaches its warning point
(``warn_at`` of the target) or breaches; docs/policy.md documents the YAML. Semantics of
`actions_at`, for one clock (metric) of one ticket (priority, plan, region) at one moment:

1. Unless the policy says ``default_actions: false``, the built-in defaults come first —
   the behaviour every policy had before ``actions:`` existed: at a warning notify the
   assignee and the team; at a breach notify the assignee, the team and the account team
   (TAM / CSM).
2. A breach of a target with ``page_on_breach: true`` (freistilbox dispatch) pages on-call,
   whatever ``default_actions`` says: the target asked for it.
3. Then every matching row's actions, in file order (rows are additive; there is no "most
   specific wins" as for targets — a row for P0 breaches adds to the defaults, it does not
   replace them). A row matches when its ``at`` is the moment and each given selector
   (``metric``, ``priority``, ``plan``, ``region``) contains the ticket's value.
4. All ``notify`` actions merge into one (the union of their audiences, in order, first);
   other actions that are the same (same `MomentAction.key`) are kept once, first one wins.

The core only decides; executing the actions (queueing notifications, changing the
ticket through its services, idempotently per timer generation) is the Django side's job
(`sladesk.notify.moments`, `sladesk.notify.policy_actions`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .loader import Lines
from .schema import ActionRowSpec, ActionSpec

if TYPE_CHECKING:
    from .model import Policy

__all__ = [
    "DEFAULT_ACTIONS",
    "ActionKind",
    "ActionRow",
    "MomentAction",
    "actions_at",
    "build_actions",
]

ActionKind = Literal["notify", "page", "raise_priority", "add_tag", "escalate"]
_Check = Callable[[str, tuple[object, ...]], str]


@dataclass(frozen=True)
class MomentAction:
    """One thing to do at a moment.

    ``notify``: tell ``audience`` (``assignee``, ``team``, ``account_team``).
    ``page``: page on-call. ``raise_priority``: ``levels`` steps more urgent (capped at the
    most urgent), or, with ``to_priority``, at least that urgent. ``add_tag``: add ``tag``.
    ``escalate``: start the next rung of the policy's escalation ladder. ``reason`` is the
    row's ``reason`` (logged with the action), or empty.
    """

    kind: ActionKind
    audience: tuple[str, ...] = ()
    levels: int = 0
    to_priority: str | None = None
    tag: str | None = None
    reason: str = ""

    @property
    def key(self) -> str:
        """The action's identity: one per ticket, timer and generation is executed."""
        if self.kind == "raise_priority":
            return f"raise_priority:{self.to_priority or f'+{self.levels}'}"
        if self.kind == "add_tag":
            return f"add_tag:{self.tag}"
        return self.kind

    def describe(self) -> str:
        """Words for the ticket log and the docs: ``raise priority by 1 level`` etc."""
        if self.kind == "notify":
            return "notify " + ", ".join(a.replace("_", " ") for a in self.audience)
        if self.kind == "page":
            return "page on-call"
        if self.kind == "raise_priority":
            if self.to_priority:
                return f"raise priority to at least {self.to_priority}"
            return f"raise priority by {self.levels} level{'s' if self.levels != 1 else ''}"
        if self.kind == "add_tag":
            return f"add tag {self.tag}"
        return "start the next step of the escalation ladder"


DEFAULT_ACTIONS: dict[str, tuple[MomentAction, ...]] = {
    "warning": (MomentAction("notify", ("assignee", "team")),),
    "breach": (MomentAction("notify", ("assignee", "team", "account_team")),),
}
_PAGE = MomentAction("page", reason="the target pages on breach")


@dataclass(frozen=True)
class ActionRow:
    """One ``actions:`` row: at ``moment``, for the clocks its selectors match (None: all)."""

    moment: str
    metrics: frozenset[str] | None
    priorities: frozenset[str] | None
    plans: frozenset[str] | None
    regions: frozenset[str] | None
    actions: tuple[MomentAction, ...]
    line: int = 0

    def matches(
        self, moment: str, metric: str, priority: str, plan: str | None, region: str | None
    ) -> bool:
        return (
            self.moment == moment
            and (self.metrics is None or metric in self.metrics)
            and (self.priorities is None or priority in self.priorities)
            and (self.plans is None or plan in self.plans)
            and (self.regions is None or region in self.regions)
        )


def actions_at(
    policy: Policy,
    moment: str,
    metric: str,
    priority: str,
    plan: str | None = None,
    region: str | None = None,
    *,
    page_on_breach: bool | None = None,
) -> tuple[MomentAction, ...]:
    """What happens at ``moment`` (``warning``/``breach``) of ``metric`` (module docstring).

    ``page_on_breach`` is the ticket's target's flag when the caller has the target at hand
    (the snapshot's); None looks it up in ``policy``.
    """
    if moment not in DEFAULT_ACTIONS:
        raise ValueError(f"unknown moment {moment!r}; expected warning or breach")
    key = policy.resolve_priority(priority)
    plan, region = policy.resolve_plan(plan), policy.resolve_region(region)
    chosen: list[MomentAction] = list(DEFAULT_ACTIONS[moment]) if policy.default_actions else []
    if moment == "breach":
        if page_on_breach is None:
            target = policy.targets(key, plan, region).get(metric)
            page_on_breach = target is not None and target.page_on_breach
        if page_on_breach:
            chosen.append(_PAGE)
    for row in policy.actions:
        if row.matches(moment, metric, key, plan, region):
            chosen.extend(row.actions)
    audience: dict[str, None] = {}
    rest: dict[str, MomentAction] = {}
    for action in chosen:
        if action.kind == "notify":
            audience.update(dict.fromkeys(action.audience))
        else:
            rest.setdefault(action.key, action)
    notify = (MomentAction("notify", tuple(audience)),) if audience else ()
    return (*notify, *rest.values())


def build_actions(
    rows: list[ActionRowSpec],
    lines: Lines,
    *,
    need_priority: _Check,
    need_plan: _Check,
    need_region: _Check,
    ladder: int,
) -> tuple[ActionRow, ...]:
    """The runtime rows; unknown names and an ``escalate`` without a ladder are `PolicyError`."""
    out: list[ActionRow] = []
    for i, row in enumerate(rows):
        path: tuple[object, ...] = ("actions", i)
        built = tuple(
            _action(a, row.reason or "", (*path, "do", j), lines, need_priority, ladder)
            for j, a in enumerate(row.do)
        )
        out.append(
            ActionRow(
                row.at,
                _names(row.metric, (*path, "metric"), lambda v, p: v),
                _names(row.priority, (*path, "priority"), need_priority),
                _names(row.plan, (*path, "plan"), need_plan),
                _names(row.region, (*path, "region"), need_region),
                built,
                lines.line(path),
            )
        )
    return tuple(out)


def _names(
    value: str | Sequence[str] | None, path: tuple[object, ...], check: _Check
) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    return frozenset(check(v, path) for v in items)


def _action(
    a: ActionSpec,
    reason: str,
    path: tuple[object, ...],
    lines: Lines,
    need_priority: _Check,
    ladder: int,
) -> MomentAction:
    if a.notify is not None:
        audience = [a.notify] if isinstance(a.notify, str) else a.notify
        if not audience:
            raise lines.error((*path, "notify"), "notify needs at least one of the audience")
        return MomentAction("notify", tuple(dict.fromkeys(audience)), reason=reason)
    if a.page is not None:
        return MomentAction("page", reason=reason)
    if a.add_tag is not None:
        tag = a.add_tag.strip()
        if not tag:
            raise lines.error((*path, "add_tag"), "add_tag needs a tag name")
        return MomentAction("add_tag", tag=tag, reason=reason)
    if a.escalate is not None:
        if ladder == 0:
            raise lines.error(
                (*path, "escalate"), "escalate needs an escalation ladder (escalation: [...])"
            )
        return MomentAction("escalate", reason=reason)
    value = a.raise_priority
    if isinstance(value, int):
        return MomentAction("raise_priority", levels=value, reason=reason)
    assert value is not None  # the schema guarantees exactly one action
    to = need_priority(value, (*path, "raise_priority"))
    return MomentAction("raise_priority", to_priority=to, reason=reason)
