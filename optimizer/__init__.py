"""optimizer: least-cost capacity expansion and hourly dispatch for Suzhou's power system.

A linear program in Pyomo, solved by HiGHS. The pipeline is pure:
``load_config -> load_inputs -> build_model -> solve -> extract_results``.
"""

__version__ = "0.1.0"

#: version of the results file layout; bumped when variables or attributes change meaning
RESULTS_SCHEMA_VERSION = 3
