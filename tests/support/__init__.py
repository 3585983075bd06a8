"""Test support shared by several test areas (loopback servers, keys)."""
