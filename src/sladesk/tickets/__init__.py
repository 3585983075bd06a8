"""Tickets, their messages, their append-only event log and their SLA clocks.

Writes go through `sladesk.tickets.services` only; reads through `sladesk.tickets.selectors`.
"""
