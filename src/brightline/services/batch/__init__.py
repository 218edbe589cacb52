"""The back catalogue: ``brightline batch scan`` over folders, manifests and object stores.

``plan`` lists a source lazily into partitions kept in the output folder (so a
resumed run scans the same partitions); ``snapshot`` freezes the lists into a
self-contained matcher shipped once to every worker; ``worker`` hashes and matches
one partition with the same code as ``brightline match`` and turns it into a
Parquet file; ``ray_engine`` runs the partitions on Ray Data; ``driver`` ties them
together, writes the results, records the job and runs the lists' actions.
Only ``ray_engine`` imports Ray, and only when a batch runs.
"""
