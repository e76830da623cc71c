"""Small factories for domain records in tests: providers, follow-up types, settings, registers.

Every factory takes keyword overrides, so a test states only what matters to it:

    >>> p = provider("U001", area="Hemtjänst", start=date(2025, 3, 1))
    >>> reg = register([p], types=municipality_types(), minsta_varsel=10)
    >>> reg.provider("U001").area, reg.settings.minsta_varsel
    ('Hemtjänst', 10)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from uppf_xl.contract import TYPES
from uppf_xl.defaults import DEFAULT_TYPES
from uppf_xl.model import (
    Event,
    FollowUpType,
    PlanEntry,
    Provider,
    Register,
    ScheduleRow,
    Settings,
)
from uppf_xl.vocab import ALLA, Avtalsform, EventType, Interval, Regi, Risk

NAMND = "Vård- och omsorgsnämnden"


def settings(**overrides: Any) -> Settings:
    """Inställningar with the contract's defaults and a few municipality fields filled in."""
    base = Settings(kommun="Exempelby kommun", forvaltning="Vård- och omsorgsförvaltningen", avsandare="Anna Strateg")
    return replace(base, **overrides)


def provider(pid: str = "U001", **overrides: Any) -> Provider:
    """A private hemtjänst provider started in 2020, normal risk, Ansvarig "Anna"."""
    values: dict[str, Any] = dict(
        id=pid,
        name=f"Utförare {pid}",
        regi=Regi.PRIVAT,
        avtalsform=Avtalsform.LOV,
        area="Hemtjänst",
        namnd=NAMND,
        start=date(2020, 1, 1),
        email=f"{pid.lower()}@example.se",
        responsible="Anna",
        risk=Risk.NORMAL,
    )
    values.update(overrides)
    return Provider(**values)


def providers(n: int, prefix: str = "U", **overrides: Any) -> list[Provider]:
    """`n` providers U001, U002, ... sharing `overrides`."""
    return [provider(f"{prefix}{i:03d}", **overrides) for i in range(1, n + 1)]


def ftype(tid: str = "KVAL", **overrides: Any) -> FollowUpType:
    """A follow-up type; defaults: every area and regi, yearly, no visit, active."""
    values: dict[str, Any] = dict(id=tid, name=tid, areas=(ALLA,), regi=ALLA, interval=Interval.YEAR)
    values.update(overrides)
    return FollowUpType(**values)


def municipality_types() -> list[FollowUpType]:
    """The follow-up types `init` writes (uppf_xl.defaults.DEFAULT_TYPES), typed."""
    out = []
    for values in DEFAULT_TYPES:
        v = dict(zip(TYPES.headers, values))
        out.append(FollowUpType(
            id=str(v["TypID"]), name=str(v["Namn"]), areas=_split(v["Verksamhetsområden"]) or (ALLA,),
            regi=str(v["Regi"] or ALLA), interval=Interval(v["Intervall"]), month=v["Månad"],  # type: ignore[arg-type]
            interval_high_risk=Interval(v["Intervall vid hög risk"]) if v["Intervall vid hög risk"] else None,
            visit=v["Besök"] == "Ja", notice_days=v["Kallelse dagar före"],  # type: ignore[arg-type]
            role=str(v["Ansvarig roll"] or ""), template=str(v["Mall"] or ""), material=_split(v["Underlag"]),
            material_days=v["Underlag dagar före"], attachments=_split(v["Bilagor"]),  # type: ignore[arg-type]
            active=v["Aktiv"] != "Nej",
            interval_low_risk=Interval(v["Intervall vid låg risk"]) if v.get("Intervall vid låg risk") else None,
        ))
    return out


def _split(text: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(text or "").split(";") if p.strip())


def plan_entry(year: int, namnd: str, area: str, type_id: str = "KVAL", comment: str = "") -> PlanEntry:
    return PlanEntry(year=year, namnd=namnd, area=area, type_id=type_id, comment=comment)


def event(day: date, pid: str = "U001", kind: EventType = EventType.KLAGOMAL, **overrides: Any) -> Event:
    return Event(day=day, provider_id=pid, type=kind, **overrides)


def schedule_row(key: str, **overrides: Any) -> ScheduleRow:
    """An Årshjul row from its Nyckel `UtförarID|TypID|Period`; the rest from overrides."""
    pid, tid, period = key.split("|")
    values: dict[str, Any] = dict(
        key=key, provider_id=pid, provider_name=f"Utförare {pid}", area="Hemtjänst", namnd=NAMND,
        type_id=tid, type_name=tid, period=period, due=None,
    )
    values.update(overrides)
    return ScheduleRow(**values)


def register(
    providers: list[Provider] | None = None,
    types: list[FollowUpType] | None = None,
    plan: list[PlanEntry] | None = None,
    events: list[Event] | None = None,
    schedule: list[ScheduleRow] | None = None,
    settings_: Settings | None = None,
    **setting_overrides: Any,
) -> Register:
    """A Register; `setting_overrides` go to `settings()` when `settings_` is not given."""
    return Register(
        settings=settings_ or settings(**setting_overrides),
        providers=list(providers if providers is not None else [provider()]),
        types=list(types if types is not None else municipality_types()),
        plan=list(plan or []),
        focus=[],
        events=list(events or []),
        findings=[],
        schedule=list(schedule or []),
        lists={},
    )


def with_schedule(reg: Register, rows: list[ScheduleRow]) -> Register:
    """The same register with another Årshjul (e.g. the previous plan's output)."""
    return replace(reg, schedule=list(rows))
