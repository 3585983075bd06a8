"""The query-count baselines of the tests (`support.queries`): a named block's count must
equal its recorded one; SLADESK_UPDATE_QUERY_COUNTS=1 records instead, by vendor where
the databases differ."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection

from support.queries import UPDATE_ENV, assert_query_count, expected_count, merge_count

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("entry", "vendor", "count", "merged"),
    [
        (None, "sqlite", 4, 4),  # first record: one number for both databases
        (4, "postgresql", 4, 4),  # the other database agrees
        (4, "postgresql", 3, {"postgresql": 3, "sqlite": 4}),  # it differs: split by vendor
        ({"postgresql": 3, "sqlite": 4}, "postgresql", 4, 4),  # they agree again: one number
        ({"postgresql": 3, "sqlite": 4}, "sqlite", 5, {"postgresql": 3, "sqlite": 5}),
        ({"sqlite": 4}, "sqlite", 6, {"sqlite": 6}),
    ],
)
def test_recording_keeps_one_number_while_the_databases_agree(entry, vendor, count, merged):
    # given an entry / when a count is recorded / then the merged entry
    assert merge_count(entry, vendor, count) == merged


@pytest.mark.parametrize(
    ("entry", "vendor", "expected"),
    [
        (None, "sqlite", None),
        (5, "postgresql", 5),
        ({"postgresql": 3, "sqlite": 4}, "sqlite", 4),
        ({"sqlite": 4}, "postgresql", None),
    ],
)
def test_the_expected_count_is_the_vendors_or_the_shared_one(entry, vendor, expected):
    assert expected_count(entry, vendor) == expected


def _two_queries() -> None:
    User.objects.filter(username="a").exists()
    User.objects.filter(username="b").exists()


def test_a_block_running_its_baseline_passes_and_yields_its_queries(tmp_path, monkeypatch):
    # given a baseline of two queries for this database
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"t::two": {connection.vendor: 2, "other": 9}}))
    # when the block runs two queries / then it passes, and its queries can be read
    with assert_query_count(path, "t::two") as captured:
        _two_queries()
    assert len(captured.captured_queries) == 2


def test_a_block_running_more_or_fewer_queries_fails_listing_them(tmp_path, monkeypatch):
    # given a baseline of one query
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"t::two": 1}))
    # when the block runs two / then it fails naming both counts, the way to record, the SQL
    with pytest.raises(pytest.fail.Exception) as failed, assert_query_count(path, "t::two"):
        _two_queries()
    message = str(failed.value)
    assert "ran 2 queries, its baseline is 1" in message
    assert UPDATE_ENV in message
    assert "\n  1. SELECT" in message and "\n  2. SELECT" in message


def test_a_block_without_a_baseline_fails_and_says_how_to_record_it(tmp_path, monkeypatch):
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    path = tmp_path / "query_counts.json"
    missing = f"no query-count baseline.*{UPDATE_ENV}=1"
    with pytest.raises(pytest.fail.Exception, match=missing), assert_query_count(path, "t::new"):
        _two_queries()
    assert not path.exists()


def test_update_mode_records_the_count_and_keeps_the_other_entries(tmp_path, monkeypatch):
    # given a file with another entry and a stale count for this block
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"t::other": 7, "t::two": 5}))
    monkeypatch.setenv(UPDATE_ENV, "1")
    # when the block runs in update mode
    with assert_query_count(path, "t::two"):
        _two_queries()
    # then this database's count is recorded beside the other database's old one
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    assert json.loads(path.read_text()) == {
        "t::other": 7,
        "t::two": {connection.vendor: 2, other: 5},
    }
