"""The synthetic council, the demo and its replayed history (used by `audits demo`, the tests
and the benchmarks; nothing below the CLI imports it)."""
