"""Demo data for `sladesk run`: organizations for each seed policy, people, tickets."""
