"""minegas benchmarks (``make bench``). Each ``bench_*.py`` module exposes ``run(quick: bool) -> list[dict]``."""
