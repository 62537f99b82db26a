"""Grid programs acting on the site net load (tariffs, reserves, events, limits)."""
