"""`sladesk.api.serializers.base.InputSerializer` parses exactly as DRF's deep-copied fields do."""

from __future__ import annotations

import copy

import pytest
from rest_framework import serializers

pytestmark = pytest.mark.django_db


def _deep(cls):
    """``cls`` with DRF's own per-instance fields (deep copies of the declared ones)."""

    class Deep(cls):
        def get_fields(self):
            return copy.deepcopy(self._declared_fields)

    return Deep


_FILTERS = [
    {},
    {"breaching_before": "2026-12-02T09:00:00Z"},
    {"breaching_before": "2026-12-02T09:00:00+05:30", "ordering": "due"},
    {"breaching_before": "tomorrow"},
    {"status": "nope", "organization": "0", "team": "x", "ordering": "sideways"},
    {"priority": "P" * 65, "tag": "t" * 101, "assignee": str(2**63)},
]


@pytest.mark.parametrize("data", _FILTERS)
def test_filter_parameters_parse_as_with_deep_copied_fields(data):
    from sladesk.api.serializers import TicketFilterSerializer

    # given the list's query parameters, valid and not
    # when they are parsed with shared fields and with DRF's deep copies
    mine, theirs = TicketFilterSerializer(data=data), _deep(TicketFilterSerializer)(data=data)
    # then the outcome, the values and the errors are the same
    assert mine.is_valid() == theirs.is_valid()
    assert mine.errors == theirs.errors
    assert dict(mine.validated_data) == dict(theirs.validated_data)


_REPLIES = [
    {"body": "Thanks"},
    {"body": "   "},
    {"body": "x", "html": "<p>x</p>", "files": "not a list"},
    {"body": "x", "files": [None] * 21},
    {},
]


@pytest.mark.parametrize("data", _REPLIES)
def test_list_fields_and_their_children_validate_as_with_deep_copies(data):
    from sladesk.api.serializers import ReplySerializer

    # given reply bodies, some with a bad files list (a ListField of FileField)
    mine, theirs = ReplySerializer(data=data), _deep(ReplySerializer)(data=data)
    # when both parse them, then they agree
    assert mine.is_valid() == theirs.is_valid()
    assert mine.errors == theirs.errors


def test_each_instance_binds_its_own_fields():
    from sladesk.api.serializers import ReplySerializer

    # given two instances of an input serializer
    first, second = ReplySerializer(data={}), ReplySerializer(data={})
    # when one instance's field is changed
    first.fields["body"].required = False
    # then the fields are distinct objects bound to their own serializer, and the change
    # stays with that instance (the class's declared field is left unbound and untouched)
    assert first.fields["body"] is not second.fields["body"]
    assert first.fields["body"].parent is first and second.fields["body"].parent is second
    assert second.fields["body"].required is True
    assert ReplySerializer._declared_fields["body"].required is True
    assert getattr(ReplySerializer._declared_fields["body"], "parent", None) is None
    assert first.is_valid() and not second.is_valid()


def test_a_nested_serializer_field_is_deep_copied():
    from sladesk.api.serializers.base import InputSerializer

    # given an input serializer with a nested serializer field
    class Inner(serializers.Serializer):
        name = serializers.CharField()

    class Outer(InputSerializer):
        inner = Inner()

    assert Outer._declared_fields["inner"].fields  # bound once on the class's field (a schema walk)
    # when two instances bind their fields
    a, b = Outer(data={"inner": {"name": "x"}}), Outer(data={"inner": {}})
    # then each has its own nested serializer and they validate independently
    assert a.fields["inner"] is not b.fields["inner"]
    assert a.is_valid() and not b.is_valid()
    assert a.fields["inner"].fields["name"].parent is a.fields["inner"]
