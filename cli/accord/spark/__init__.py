"""The Spark engine (`--engine spark`): validation, expectations and Parquet on Apache Spark.

The same plan the DuckDB engine compiles, emitted as Spark SQL (accord.spark.dialect) and run
through PySpark (accord.spark.session), so a package too large for one machine is checked by the
same rules, with the same report. pyspark is imported only by these modules. docs/spark.md.
"""
