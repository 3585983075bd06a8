"""Customer satisfaction: a good/bad rating and a comment per solved ticket (a reaction)."""
