"""MRV engine: integration, the mine methane balance, methodologies and compliance checks."""
