"""The Keras reference suite: transfer evaluation of features (kNN protocols, reports) and feature extraction.

Protocols are pure numpy/pandas (``knn``, ``tasks``); I/O lives in ``evaluate`` (parquet/CSV in) and
``report`` (markdown, JSON, plots out); ``features`` needs the keras extra and is imported only on demand.
"""
