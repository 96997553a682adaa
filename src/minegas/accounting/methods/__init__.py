"""Accounting methodologies (pure functions): US EPA Subpart FF, China 2015 guideline, IPCC 2006, CCER-10-001,
and the GB 21522 venting-standard decision logic."""
