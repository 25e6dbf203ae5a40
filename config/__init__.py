"""Settings, the clock, the signing secret and signed links: what every layer may use."""
