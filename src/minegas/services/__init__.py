"""Services: compose the pure core and the adapters for one use case each."""
