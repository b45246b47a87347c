"""Public pages that belong to no domain: home, health check, error pages."""
