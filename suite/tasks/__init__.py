"""Transfer tasks, one module each: a protocol over a features table (pure) plus its native-layout readers, declared
as ``TASK`` (a ``cytoimagenet.suite.task.Task``). ``cytoimagenet.suite.registry`` finds them; nothing else lists
them."""
