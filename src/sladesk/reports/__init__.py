"""SLA attainment reports, customer statements and what-if replay (layer: reactions).

Above `sladesk.notify` and `sladesk.tickets`, below `sladesk.api` and the UI; nothing below
imports it. It keeps a per-clock fact table and a rollup (`models`) in step with the clocks
by subscribing to `sladesk.tickets.announce.ClocksChanged`. See docs/reports.md.
"""
