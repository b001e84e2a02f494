"""The duty record benchmark at a tiny scale, so it cannot rot: its generator writes a year the
migrated schema accepts, and its naive baseline gives every member the product's figures, lists,
grades and nudge (no timing is asserted)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from benchmarks.duty_scale import parts
from benchmarks.duty_scale.naive import NaiveDuty, NaiveYear
from benchmarks.duty_scale.world import Scale, WorldSummary, cached
from storage.duty_queries import Span

TINY = Scale(members=50, groups=3, staff=2, events=5, checkins=150, reports=40, seed=7)


def world(tmp_path: Path) -> Path:
    path, took = cached(TINY, tmp_path)
    assert took is not None  # built, not found
    assert cached(TINY, tmp_path) == (path, None)  # the second time from the cache
    return path


def run(part: str, path: Path, sample: int = 1_000) -> dict[str, object]:
    return asyncio.run(parts.run_part(part, parts.Options(path, sample, 1, 1)))


def test_the_generated_year_has_every_kind_of_item(tmp_path: Path) -> None:
    summary = WorldSummary.read(world(tmp_path))
    assert (summary.members, summary.staff, summary.groups) == (50, 2, 3)
    assert summary.events == 5 + 2  # and two of the year before
    assert 100 <= summary.checkins <= 200
    assert summary.leaves > 0 and summary.reports == 40 and summary.filings > 0
    assert summary.notes > 0


def test_naive_and_product_agree_for_every_member(tmp_path: Path) -> None:
    path = world(tmp_path)
    me = run("naive-me", path)
    stats = run("naive-stats", path)
    export = run("naive-export", path)
    assert me["problems"] == [] and stats["problems"] == [] and export["problems"] == []
    # everyone was computed, so /stats compared the groups' sums and the export who is in it
    assert stats["full"] and export["full"]
    assert me["members"] == stats["members"] and stats["members"] >= 45
    assert export["members"] >= stats["members"]


def test_a_difference_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a naive reader that counts one absence too many is caught for
    every member it computed."""
    path = world(tmp_path)
    assert run("naive-me", path, sample=5)["problems"] == []
    counted = NaiveDuty.year

    async def one_absence_too_many(self: NaiveDuty, person: sqlite3.Row,
                                   span: Span) -> NaiveYear:
        found = await counted(self, person, span)
        counts = found.counts.model_copy(update={"absent": found.counts.absent + 1})
        return NaiveYear(counts, found.lists, found.queries)

    monkeypatch.setattr(NaiveDuty, "year", one_absence_too_many)
    problems = run("naive-me", path, sample=5)["problems"]
    assert isinstance(problems, list) and len(problems) == 5
    assert all("absent=" in problem for problem in problems)


def test_the_product_parts_run(tmp_path: Path) -> None:
    path = world(tmp_path)
    me = run("me", path, sample=10)
    export = run("export", path)
    breakdown = run("breakdown", path, sample=3)
    assert me["members"] == 10 and len(me["times"]) == 10  # type: ignore[arg-type]
    assert export["members"] >= 45 and export["rows"] > 0  # type: ignore[operator]
    figures = breakdown["figures"]
    assert isinstance(figures, dict) and "counts: expected" in figures
    plans = breakdown["plans"]
    assert isinstance(plans, dict) and any("USING" in step for step in
                                           plans["counts: expected, one member"])
