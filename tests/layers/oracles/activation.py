"""(family under construction)"""

ORACLES: list = []
NO_TORCH: dict[str, str] = {}
