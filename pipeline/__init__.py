"""leasewatch: China's A-share compute-leasing (算力租赁) firms, from akshare to a DuckDB warehouse and reports.

Importing this package is cheap: akshare, plotly, polars and pandas are imported where they are used.
"""

__version__ = "0.1.0"
