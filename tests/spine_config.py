"""The demo build the end-to-end tests share (a module with a unique name: `conftest` is ambiguous once
several test folders have one)."""

from cytoimagenet.format import BuildConfig

CONFIG = BuildConfig(seed=0, min_per_class=20, max_per_class=40, shard_size=48)
# the demo at reduced resolution (same layouts and classes), still large enough for 70 px crops
SHAPES = dict(bbbc021_shape=(160, 200), rxrx1_shape=(144, 144))
