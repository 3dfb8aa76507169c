"""A local world: today's web behind a proxy, and a 2014 web archive (issue #7)."""
