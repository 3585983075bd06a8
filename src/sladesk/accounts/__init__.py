"""People and companies: customer organizations and contacts, agents and teams, roles."""
