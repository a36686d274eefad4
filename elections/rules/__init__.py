"""The Kyrgyz rules engine, one module per family of contests; `elections.results.compute_results` dispatches."""
