"""The Keras reference suite: transfer evaluation of features (kNN protocols, reports) and feature extraction.

A transfer task is one module in ``tasks/`` declaring a ``task.Task`` (name, native image table and image reader,
protocol); ``registry`` finds them. Protocols are pure numpy/pandas (``knn``, ``tasks``); native files are read
through ``native`` and ``hdf5``; ``evaluate`` runs any task (features parquet in), ``report`` writes markdown, JSON
and plots; ``features`` needs the keras extra and is imported only on demand.
"""
